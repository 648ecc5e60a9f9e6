"""Forms of the help pages: they only parse; the rules are in ``portal.help``."""

from __future__ import annotations

from django import forms

from portal import help
from portal.models import HelpStatus, HelpSubject

ATTACHMENT_ACCEPT = ".pdf,.png,.jpg,.jpeg,.tif,.tiff,.gif,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.odt,.ods,.odp"
ATTACHMENT_HELP = (f"PDF, images (PNG, JPEG, TIFF, GIF), Word, Excel, PowerPoint, LibreOffice ; "
                   f"{help.MAX_ATTACHMENTS} fichiers au plus, 10 Mo chacun.")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the list may be empty."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ATTACHMENT_ACCEPT}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleFileField, self).clean(upload, initial) for upload in files if upload]


class HelpRequestForm(forms.Form):
    subject = forms.ChoiceField(label="Objet de la demande", choices=[("", "Choisissez…"), *HelpSubject.choices])
    title = forms.CharField(label="Précision (facultatif)", required=False, max_length=help.TITLE_MAX_LENGTH,
                            help_text="Par exemple : « Changement d'adresse du cabinet ».")
    # Any reference may be posted (a link prefills rows older than those listed): the service checks it.
    concern = forms.CharField(label="Courrier ou dossier concerné (facultatif)", required=False, widget=forms.Select)
    message = forms.CharField(label="Votre message", widget=forms.Textarea(attrs={"rows": 8}),
                              max_length=help.MESSAGE_MAX_LENGTH)
    attachments = MultipleFileField(label="Pièces jointes", help_text=ATTACHMENT_HELP)

    def __init__(self, *args, concern_groups: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["concern"].widget.choices = [("", "Aucun"), *concern_groups]
        if not concern_groups:  # nothing to choose from; a reference in a link or a post is still checked
            self.fields["concern"].widget = forms.HiddenInput()


class HelpReplyForm(forms.Form):
    message = forms.CharField(label="Votre réponse", widget=forms.Textarea(attrs={"rows": 5}),
                              max_length=help.MESSAGE_MAX_LENGTH)
    attachments = MultipleFileField(label="Pièces jointes", help_text=ATTACHMENT_HELP)


class HelpFilterForm(forms.Form):
    q = forms.CharField(label="Numéro de dossier, contenu de la demande", required=False)
    statut = forms.ChoiceField(label="Statut", required=False, choices=[("", "Tous"), *HelpStatus.choices])
    sujet = forms.ChoiceField(label="Objet", required=False, choices=[("", "Tous"), *HelpSubject.choices])
    du = forms.DateField(label="Émise du", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    au = forms.DateField(label="au", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("du") and data.get("au") and data["du"] > data["au"]:
            self.add_error("au", "La fin de la période précède son début.")
        return data


class StaffAnswerForm(forms.Form):
    """The admin's « Répondre » form: an answer to the requester or an internal note."""

    ANSWER, NOTE = "answer", "note"
    kind = forms.ChoiceField(label="Type", widget=forms.RadioSelect, initial=ANSWER, choices=[
        (ANSWER, "Réponse au demandeur (envoyée par e-mail au demandeur et aux administrateurs du cabinet)"),
        (NOTE, "Note interne (jamais montrée au demandeur)"),
    ])
    message = forms.CharField(label="Message", required=False, widget=forms.Textarea(attrs={"rows": 6, "cols": 80}),
                              max_length=help.MESSAGE_MAX_LENGTH)
    status = forms.ChoiceField(label="Statut après ce message", choices=HelpStatus.choices,
                               help_text="« En attente de votre retour » : un justificatif est attendu du demandeur.")
    attachments = MultipleFileField(label="Pièces jointes (réponse seulement)")
