"""An e-mail provider that is down for a while, then recovers (anymail's test backend).

``FlakyEmailBackend.failures`` sends fail with an ``AnymailAPIError`` before the provider
answers again; ``during_send`` lets a test act while a message is being sent (another worker
trying the same message, a worker dying…). Messages that go through land in
``django.core.mail.outbox`` like with anymail's test backend.
"""

from anymail.backends.test import EmailBackend
from anymail.exceptions import AnymailAPIError


class FlakyEmailBackend(EmailBackend):
    failures = 0
    attempts = 0
    during_send = None

    @classmethod
    def reset(cls, *, failures: int = 0, during_send=None) -> None:
        cls.failures = failures
        cls.attempts = 0
        cls.during_send = during_send

    def post_to_esp(self, payload, message):
        cls = type(self)
        cls.attempts += 1
        if cls.during_send is not None:
            cls.during_send(message)
        if cls.failures > 0:
            cls.failures -= 1
            raise AnymailAPIError("Le fournisseur d'e-mails ne répond pas (503).")
        return super().post_to_esp(payload, message)
