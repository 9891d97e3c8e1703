"""The notebook layer: widgets and readable reprs. It never builds URLs or sends requests
itself; it calls the public Session API.

- ``login_form``: ``LoginForm``, the ipywidgets login form.
- ``indicator``: ``TokenIndicator``, the token countdown that runs in the browser.
- ``prompt``: the form ``cx.login()`` shows in place of ``getpass`` when it finds no
  credentials; the form logs in the session ``cx.login()`` returned.
- ``frontend``: is there a person with a widget frontend at the other end of this kernel?
- ``provenance``: ``provenance(df)``, where a frame came from, as a table.
- ``explore``: ``explore(source)``, the delivery dashboard (one anywidget), and the Voilà
  page of ``cargamos-explore dashboard``.

Only ``provenance`` is imported by ``import cargamos_explore``; the widget modules import
ipywidgets, so they load on first use.
"""
