"""The receivers' verification helper, at its published import path.

Department systems written in Python copy or import `verify`; see docs/receivers.md.
The rules live in `services.notification.domain.signing`.
"""

from services.notification.domain.signing import (
    SECRET_PREFIX,
    TOLERANCE_S,
    new_secret,
    sign,
    verify,
)

__all__ = ["SECRET_PREFIX", "TOLERANCE_S", "new_secret", "sign", "verify"]
