"""TokenIndicator: the time a session's token has left, counted down in the browser.

The countdown is a small anywidget whose JavaScript counts from the ``expires_at`` trait on
the browser's clock. A kernel thread could not do it: while a cell runs, the kernel sends
no widget updates from Python timers, so a thread-driven countdown would freeze. The kernel
only sends a new ``expires_at`` after a login, through the session's token listener.
"""

from __future__ import annotations

import time
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import anywidget
import ipywidgets as widgets
import traitlets

from .. import formatters
from ..errors import CargamosError

if TYPE_CHECKING:
    from ..session import Session
    from ..transport import Token

HERE: Final = Path(__file__).parent
#: Turn amber this long before expiry, at most: 5 minutes of a 60-minute token.
WARN_SECONDS: Final = 300.0


class Countdown(anywidget.AnyWidget):
    """Counts down to ``expires_at`` (epoch milliseconds; 0 means no token yet)."""

    _esm = HERE / "countdown.js"
    _css = HERE / "countdown.css"
    expires_at = traitlets.Float(0.0).tag(sync=True)
    lifetime = traitlets.Float(3600.0).tag(sync=True)
    warn_seconds = traitlets.Float(WARN_SECONDS).tag(sync=True)


class TokenIndicator(widgets.HBox):  # type: ignore[misc]  # ipywidgets is untyped
    """Time left on ``session``'s token as mm:ss with a bar, and a "Renew now" button.

    Every login the session makes, by any call or thread, restarts the countdown.
    Outside a widget frontend it prints as one line of text.
    """

    def __init__(self, session: Session, **kwargs: Any) -> None:
        self.session = session
        self.countdown = Countdown()
        self.renew_button = widgets.Button(description="Renew now", icon="refresh",
                                           tooltip="Log in again now (one more login)")
        self.renew_button.add_class("cx-renew")
        self.status = widgets.HTML("")
        self.status.add_class("cx-indicator-status")
        title = widgets.HTML(f"<b>Cargamos token</b> {escape(session.username)}")
        super().__init__([title, self.countdown, self.renew_button, self.status], **kwargs)
        self.add_class("cx-token-indicator")
        self._shown: Token | None = None
        self.renew_button.on_click(lambda _button: self.renew())
        session.add_token_listener(self.show)
        if session.token is not None:
            self.show(session.token)

    def show(self, token: Token) -> None:
        """Count down from ``token``; an older token than the one shown is ignored, since
        listeners on different threads may be told in either order."""
        if self._shown is not None and token.sent_at < self._shown.sent_at:
            return
        self._shown = token
        self.countdown.lifetime = token.lifetime
        self.countdown.warn_seconds = min(WARN_SECONDS, token.lifetime / 4)
        # From the time left, not expires_at: the browser counts on the wall clock, and a
        # replayed token's clock stands still at the recording, so it must show its full
        # lifetime rather than an expiry long past.
        left = token.time_left.total_seconds()
        self.countdown.expires_at = (time.time() + left) * 1000

    def renew(self) -> None:
        """Log in again now; the listener then restarts the countdown."""
        try:
            self.session.renew()
        except CargamosError as err:
            self.status.value = escape(str(err))  # our errors never carry a secret
            return
        self.status.value = ""

    def __repr__(self) -> str:
        token = self.session.token
        left = formatters.token_text(token.time_left.total_seconds() if token else None)
        expiry = f", expires {token.expires_at:%H:%M:%S} UTC" if token else ""
        return f"Cargamos token for {self.session.username}: {left}{expiry}"
