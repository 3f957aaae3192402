"""Route modules of the web app: pages, api, feeds, write, docs."""
