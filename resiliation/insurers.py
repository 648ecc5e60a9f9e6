"""The initial insurer directory (head-office or termination addresses of French insurers),
loaded by migration 0002 and by ``manage.py resiliation_insurers``; kept in the admin after."""

# name, address line 1, address line 2, postal code, city, identified (eIDAS)
INSURERS = [
    ("4 ASSUR", "Service Résiliations", "32 rue de Paradis", "75010", "PARIS", False),
    ("ABEILLE IARD & SANTÉ", "80 avenue de l'Europe", "", "92270", "BOIS-COLOMBES", False),
    ("ACM IARD (Assurances du Crédit Mutuel)", "4 rue Frédéric-Guillaume Raiffeisen", "", "67906", "STRASBOURG CEDEX 9", True),
    ("ACTIVE ASSURANCES", "Service Résiliations", "8 rue Eugène et Armand Peugeot", "92500", "RUEIL-MALMAISON", False),
    ("AG2R LA MONDIALE", "14-16 boulevard Malesherbes", "", "75008", "PARIS", False),
    ("ALLIANZ IARD", "1 cours Michelet", "CS 30051", "92076", "PARIS LA DEFENSE CEDEX", True),
    ("APIVIA MUTUELLE", "17-21 place Étienne Pernet", "", "75015", "PARIS", False),
    ("APRIL SANTÉ PRÉVOYANCE", "Immeuble Aprilium", "114 boulevard Marius Vivier Merle", "69003", "LYON", False),
    ("AXA FRANCE IARD", "313 Terrasses de l'Arche", "", "92727", "NANTERRE CEDEX", True),
    ("BPCE IARD", "Chaban de Chauray", "BP 8410", "79024", "NIORT CEDEX 9", True),
    ("CARDIF IARD", "1 boulevard Haussmann", "", "75009", "PARIS", False),
    ("CHUBB EUROPEAN GROUP SE (ex ACE EUROPEAN GROUP LIMITED)", "La Tour Carpe Diem", "31 place des Corolles", "92400", "COURBEVOIE", False),
    ("DIRECT ASSURANCE (AVANSSUR)", "48 rue Carnot", "", "92150", "SURESNES", False),
    ("GENERALI IARD", "2 rue Pillet-Will", "", "75009", "PARIS", True),
    ("GMF ASSURANCES", "148 rue Anatole France", "", "92300", "LEVALLOIS-PERRET", False),
    ("GROUPAMA CENTRE-ATLANTIQUE", "2 avenue de Limoges", "", "79044", "NIORT CEDEX 9", False),
    ("GROUPAMA PARIS VAL DE LOIRE", "161 avenue Paul Vaillant Couturier", "", "94250", "GENTILLY", False),
    ("GROUPAMA RHÔNE-ALPES AUVERGNE", "50 rue de Saint-Cyr", "", "69251", "LYON CEDEX 09", False),
    ("HARMONIE MUTUELLE", "143 rue Blomet", "", "75015", "PARIS", False),
    ("HISCOX", "38 avenue de l'Opéra", "", "75002", "PARIS", False),
    ("L'AUXILIAIRE", "50 cours Franklin Roosevelt", "", "69006", "LYON", True),
    ("LA MUTUELLE GÉNÉRALE", "1-11 rue Brillat-Savarin", "", "75013", "PARIS", False),
    ("MAAF ASSURANCES", "Chaban de Chauray", "", "79036", "NIORT CEDEX 9", True),
    ("MACIF", "1 rue Jacques Vandier", "", "79000", "NIORT", True),
    ("MACSF", "Cours du Triangle", "10 rue de Valmy", "92800", "PUTEAUX", False),
    ("MAF (Mutuelle des Architectes Français)", "189 boulevard Malesherbes", "", "75017", "PARIS", False),
    ("MAIF", "200 avenue Salvador Allende", "", "79038", "NIORT CEDEX 9", True),
    ("MALAKOFF HUMANIS", "21 rue Laffitte", "", "75009", "PARIS", False),
    ("MATMUT", "66 rue de Sotteville", "", "76100", "ROUEN", False),
    ("MGEN", "3 square Max Hymans", "", "75748", "PARIS CEDEX 15", False),
    ("MMA IARD", "14 boulevard Marie et Alexandre Oyon", "", "72030", "LE MANS CEDEX 9", True),
    ("MUTUELLE DE POITIERS ASSURANCES", "Bois du Fief Clairet", "", "86580", "VOUNEUIL-SOUS-BIARD", False),
    ("PACIFICA", "8-10 boulevard de Vaugirard", "", "75724", "PARIS CEDEX 15", True),
    ("SMABTP", "8 rue Louis Armand", "", "75738", "PARIS CEDEX 15", False),
    ("SOGESSUR", "Tour D2", "17 bis place des Reflets", "92400", "COURBEVOIE", False),
    ("SWISSLIFE ASSURANCES DE BIENS", "7 rue Belgrand", "", "92300", "LEVALLOIS-PERRET", False),
    ("WAKAM", "120-122 rue Réaumur", "", "75002", "PARIS", False),
]

# The directory's insurers not governed by the Code des assurances (``Insurer.kind``; every other
# one is an insurance company — a « société d'assurance mutuelle » such as the MAIF included).
INSURER_KINDS = {
    "APIVIA MUTUELLE": "mutual",
    "HARMONIE MUTUELLE": "mutual",
    "LA MUTUELLE GÉNÉRALE": "mutual",
    "MGEN": "mutual",
    "AG2R LA MONDIALE": "provident",
    "MALAKOFF HUMANIS": "provident",
}


def insurers_load(insurer_model) -> int:
    """Create the missing insurers (existing rows, maybe edited in the admin, are kept)."""
    created = 0
    typed = any(field.name == "kind" for field in insurer_model._meta.get_fields())  # migration 0002 predates it
    for name, line1, line2, postal_code, city, identified in INSURERS:
        defaults = {"address_line1": line1, "address_line2": line2, "postal_code": postal_code, "city": city,
                    "is_identified": identified}
        if typed:
            defaults["kind"] = INSURER_KINDS.get(name, "company")
        _, was_created = insurer_model.objects.get_or_create(name=name, defaults=defaults)
        created += was_created
    return created
