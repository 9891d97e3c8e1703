"""``cx.login()``: a Session, logged in at once so bad credentials fail here.

In a notebook with nobody's credentials anywhere, it shows the login form instead of a
prompt, and returns at once (a cell waiting for a click would deadlock: the click is handled
by the same kernel only after the cell ends). The form logs the returned session in.
"""

from __future__ import annotations

import os
from typing import Any

from .session import Session


def login(host: str | None = None, **options: Any) -> Session:
    """Create a Session and log in at once, so bad credentials fail here.

    >>> import cargamos_explore as cx
    >>> with cx.login(sandbox_options={"size": 50}) as session:
    ...     session.logins
    1
    """
    session = Session(host, **options)
    if session.credentials_pending:
        from .notebook.prompt import show_login_form

        env = options.get("env")
        show_login_form(session, os.environ if env is None else env)
        return session
    if options.get("offline"):
        return session  # offline, nothing may be sent, not even a login
    try:
        session.login()
    except BaseException:
        session.close(keep_recording=False)  # a recorded failed login would replay forever
        raise
    return session
