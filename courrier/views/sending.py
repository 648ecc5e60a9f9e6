"""« Envoyer maintenant » / « Programmer l'envoi »: the intermediate confirmation screen (the
print visual, the recipient, the price, the hand-over date), validation, date change, cancel."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from courrier import rules, services
from courrier.forms import ConfirmForm, DateForm
from courrier.views.common import courrier_page, envelope_for
from courrier.views.envelope import editor_context
from portal import clock
from portal.errors import ApplicationError
from portal.formatting import format_date, format_money
from portal.views import form_error


def _confirm_page(request, envelope, *, scheduled: bool, date_form: DateForm, form: ConfirmForm | None = None,
                  status: int = 200, insufficient_credit: bool = False):
    now, calendar = clock.local_now(), clock.business_calendar()
    send_on = date_form.cleaned_data["send_on"] if scheduled and date_form.is_bound and date_form.is_valid() else None
    context = {"envelope": envelope, "scheduled": scheduled, "date_form": date_form, "form": form, "plan": None,
               "insufficient_credit": insufficient_credit}
    if scheduled and send_on is None:
        return render(request, "courrier/confirm.html", context, status=status)
    try:
        plan = services.sending_plan(envelope=envelope, send_on=send_on, now=now, calendar=calendar)
        envelope = services.envelope_prepare(envelope=envelope)
    except ApplicationError as error:
        if error.field == "send_on":
            date_form.add_error("send_on", error.message)
            return render(request, "courrier/confirm.html", context, status=400)
        messages.error(request, error.message)
        return redirect("courrier:envelope", pk=envelope.pk)
    context.update({
        "plan": plan, "envelope": envelope, "previews": envelope.previews.all(),
        "promise": rules.DELIVERY_PROMISE[rules.Mode(envelope.mode)],
        "form": form or ConfirmForm(initial={"accepted_price": plan.quote.total,
                                             "accepted_handover_date": plan.handover_date, "send_on": send_on}),
    })
    return render(request, "courrier/confirm.html", context, status=status)


@require_http_methods(["GET", "POST"])
@courrier_page
def confirm(request, pk: int):
    """The confirmation screen (GET: ``?envoi=maintenant`` or ``?envoi=programmer&send_on=…``)
    and its « Envoyer » / « Programmer l'envoi » (POST, the price and date it showed)."""
    envelope = envelope_for(request, pk)
    if not envelope.is_draft:
        return redirect("courrier:envelope", pk=envelope.pk)
    today = clock.business_today()
    if request.method == "GET":
        scheduled = request.GET.get("envoi") == "programmer"
        date_form = DateForm(request.GET if "send_on" in request.GET else None, today=today)
        return _confirm_page(request, envelope, scheduled=scheduled, date_form=date_form)
    form = ConfirmForm(request.POST)
    scheduled = bool(request.POST.get("send_on"))
    date_form = DateForm({"send_on": request.POST.get("send_on")} if scheduled else None, today=today)
    if not form.is_valid():
        return _confirm_page(request, envelope, scheduled=scheduled, date_form=date_form, form=form, status=400)
    data = form.cleaned_data
    try:
        sent = services.envelope_send(envelope=envelope, by=request.user, accepted_price=data["accepted_price"],
                                      send_on=data["send_on"], now=clock.local_now(),
                                      calendar=clock.business_calendar(),
                                      accepted_handover_date=data["accepted_handover_date"])
    except ApplicationError as error:
        if error.field in ("accepted_price", "send_on"):
            # The price or the hand-over date changed since the screen was shown: show the new
            # figures, the reason above them.
            messages.warning(request, error.message)
            return _confirm_page(request, envelope, scheduled=scheduled, date_form=date_form, status=400)
        form_error(form, error)
        return _confirm_page(request, envelope, scheduled=scheduled, date_form=date_form, form=form, status=400,
                             insufficient_credit=error.code == "insufficient_credit")
    when = (f"remis à La Poste le {format_date(sent.handover_date)}" if sent.send_on is None else
            f"programmé le {format_date(sent.send_on)}, remis à La Poste le {format_date(sent.handover_date)}")
    messages.success(request, f"Votre courrier #{sent.number} est {when} ({format_money(sent.price)} débités).")
    return redirect("courrier:envelope", pk=sent.pk)


@require_POST
@courrier_page
def reschedule(request, pk: int):
    """« Modifier la date d'envoi » (until the eve of the scheduled date)."""
    envelope = envelope_for(request, pk)
    today = clock.business_today()
    form = DateForm(request.POST, today=today)
    if form.is_valid():
        try:
            moved = services.envelope_reschedule(envelope=envelope, send_on=form.cleaned_data["send_on"],
                                                 by=request.user, now=clock.local_now(),
                                                 calendar=clock.business_calendar())
        except ApplicationError as error:
            form_error(form, error)
        else:
            messages.success(request, f"Nouvelle date d'envoi : {format_date(moved.send_on)} (remis à La Poste le "
                                      f"{format_date(moved.handover_date)}).")
            return redirect("courrier:envelope", pk=envelope.pk)
    envelope.refresh_from_db()
    return render(request, "courrier/envelope.html", editor_context(request, envelope, date_form=form), status=400)


@require_POST
@courrier_page
def cancel(request, pk: int):
    """« Annuler » a scheduled envelope (until the eve): refunded."""
    envelope = envelope_for(request, pk)
    try:
        cancelled = services.envelope_cancel(envelope=envelope, by=request.user, now=clock.local_now())
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"L'envoi du courrier #{cancelled.number} est annulé : "
                                  f"{format_money(cancelled.price)} remboursés sur votre crédit.")
    return redirect("courrier:envelope", pk=envelope.pk)
