"""The pages, one package per area: ``state.py`` holds the Reflex state, ``page.py`` the
view (areas with several pages name each pair, e.g. ``runs/detail.py`` and
``runs/detail_page.py``). ``shell.py`` lists the shell's pages and navigation."""
