"""Personal links in the outbox; the password-reset e-mails already stored lose their link.

Before, a reset e-mail was stored with its live link (body) and token (key
``password-reset:<uidb64>:<token>``). They are redacted here: the link becomes the placeholder
of ``portal.notifications`` and the key the user's id. One not yet sent gets a fresh link when
it goes out; one already sent keeps only the redacted text.
"""

import re

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils.http import urlsafe_base64_decode

PLACEHOLDER = "[lien personnel masqué]"  # portal.notifications.PERSONAL_LINK_PLACEHOLDER, frozen here
RESET_LINK = re.compile(r"\S*/reinitialiser/[^/\s]+/[^/\s]+/?")


def redact_password_reset_links(apps, schema_editor):
    OutboxMessage = apps.get_model("portal", "OutboxMessage")
    User = apps.get_model("portal", "User")
    for message in OutboxMessage.objects.filter(key__startswith="password-reset:", personal_link=""):
        try:
            user_id = int(urlsafe_base64_decode(message.key.split(":")[1]))
        except (IndexError, ValueError):
            user_id = None
        message.body_text = RESET_LINK.sub(PLACEHOLDER, message.body_text)
        message.body_html = RESET_LINK.sub(PLACEHOLDER, message.body_html)
        message.key = f"password-reset:{user_id}:masque-{message.pk}"
        message.personal_link = "password_reset"
        message.personal_link_user_id = user_id if User.objects.filter(pk=user_id).exists() else None
        message.save(update_fields=["body_text", "body_html", "key", "personal_link", "personal_link_user"])


class Migration(migrations.Migration):

    dependencies = [
        ('portal', '0004_payment_reference_required'),
    ]

    operations = [
        migrations.AddField(
            model_name='outboxmessage',
            name='personal_link',
            field=models.CharField(blank=True, choices=[('password_reset', 'réinitialisation du mot de passe')], max_length=30, verbose_name='lien personnel'),
        ),
        migrations.AddField(
            model_name='outboxmessage',
            name='personal_link_user',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='lien personnel de'),
        ),
        migrations.RunPython(redact_password_reset_links, migrations.RunPython.noop),
    ]
