"""The trades of Pyramide Artisan and the grid in effect from 1 January 2026, installed by the
data migration ``0002`` (production needs them before the first quote; staff change them in the
admin afterwards). Takes the model classes: the migration passes its historical models."""

from datetime import date
from decimal import Decimal

TRADES = [
    ("Boucher-charcutier", 3), ("Boulanger-pâtissier", 2), ("Carreleur", 2), ("Carrossier-peintre automobile", 5),
    ("Charpentier", 5), ("Coiffeur", 1), ("Cordonnier", 1), ("Couturier-retoucheur", 1), ("Couvreur", 5),
    ("Ébéniste", 4), ("Électricien", 3), ("Esthéticienne", 1), ("Fleuriste", 1),
    ("Garagiste - mécanicien automobile", 4), ("Imprimeur", 3), ("Maçon", 4), ("Menuisier", 4),
    ("Peintre en bâtiment", 2), ("Photographe", 1), ("Plâtrier-plaquiste", 2), ("Plombier-chauffagiste", 3),
    ("Serrurier-métallier", 4), ("Traiteur", 3),
]
# Turnover bands (upper bound included) and the class-1 base premium of each; classes 2 to 5
# pay more by their factor.
BANDS = [(150_000, 420), (500_000, 610), (1_500_000, 890), (5_000_000, 1450), (15_000_000, 2600),
         (50_000_000, 4800)]
CLASS_FACTORS = {1: Decimal("1"), 2: Decimal("1.25"), 3: Decimal("1.6"), 4: Decimal("2.1"), 5: Decimal("2.8")}
EFFECTIVE_FROM = date(2026, 1, 1)


def defaults_install(*, Trade, Tariff, TariffRate) -> None:  # noqa: N803 (model classes)
    for name, tariff_class in TRADES:
        Trade.objects.get_or_create(name=name, defaults={"tariff_class": tariff_class})
    if Tariff.objects.filter(effective_from=EFFECTIVE_FROM).exists():
        return
    tariff = Tariff.objects.create(
        effective_from=EFFECTIVE_FROM, price_per_square_metre=Decimal("1.20"), price_per_employee=Decimal("38.00"),
        machinery_breakdown_price=Decimal("145.00"), business_interruption_price=Decimal("210.00"),
        legal_protection_price=Decimal("95.00"), tax_rate=Decimal("9.00"),
    )
    TariffRate.objects.bulk_create([
        TariffRate(tariff=tariff, tariff_class=tariff_class, turnover_up_to=Decimal(bound),
                   base_premium=(Decimal(base) * factor).quantize(Decimal("0.01")))
        for tariff_class, factor in CLASS_FACTORS.items() for bound, base in BANDS
    ])
