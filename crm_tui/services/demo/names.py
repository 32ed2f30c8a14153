"""Names, web domains, email addresses and phone numbers of demo people and companies.

Half the people are Russian (Cyrillic names, +7 phones written the two ways Russians write
them), half English-speaking (+1 and +44), because search, sorting and phone matching must work
for both alphabets and both numbering habits. Company names, emails and phones are unique in
the demo, so the merge screen is not flooded with false duplicates.
"""

from __future__ import annotations

import phonenumbers

from crm_tui.services.demo.world import World

_FREE_MAIL = {
    "ru": ["yandex.ru", "mail.ru", "gmail.com", "bk.ru", "inbox.ru"],
    "en": ["gmail.com", "outlook.com", "yahoo.com", "icloud.com", "hotmail.com"],
}
# Legal forms and filler words dropped when a company name becomes a web domain.
_NOT_IN_DOMAIN_RU = {"ооо", "ао", "зао", "оао", "пао", "рао", "нпо", "ип", "лтд", "и", "партнеры", "партнёры"}
_NOT_IN_DOMAIN = _NOT_IN_DOMAIN_RU | {"inc", "llc", "plc", "ltd", "group", "and", "corp", "sons"}
# Cyrillic to Latin, letter by letter (the hard and soft signs are dropped).
_DIGRAPHS: dict[str, str | int | None] = {
    "ж": "zh",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ю": "yu",
    "я": "ya",
}
_TRANSLIT = {
    **str.maketrans("абвгдеёзийклмнопрстуфыэ", "abvgdeeziyklmnoprstufye", "ъь"),
    **str.maketrans(_DIGRAPHS),
}
_US_AREA_CODES = [212, 312, 415, 617, 646, 702, 305, 206, 512, 718]
# UK mobile ranges that phonenumbers accepts as valid in full (parts of 77xx/79xx are not).
_UK_MOBILE_PREFIXES = [74, 75, 78]
_RU_CITY_CODES = [495, 499, 812, 343, 383]

_RU_LEGAL_FORMS = ["ООО", "АО", "ЗАО", "ПАО"]
_RU_ROOTS = [
    "Техно",
    "Агро",
    "Инвест",
    "Мега",
    "Сибирь",
    "Нева",
    "Урал",
    "Волга",
    "Альфа",
    "Вектор",
    "Гранит",
    "Меридиан",
    "Прогресс",
    "Энерго",
    "Транс",
    "Мед",
    "Лес",
    "Инфо",
    "Север",
    "Атлант",
]
_RU_SUFFIXES = [
    "Строй",
    "Трейд",
    "Сервис",
    "Снаб",
    "Софт",
    "Групп",
    "Пром",
    "Логистик",
    "Холдинг",
    "Маркет",
    "Консалт",
]
_EN_FORMS = ["Inc", "LLC", "Group", "PLC", "Corp", "Ltd", "& Sons"]
_EN_ROOTS = [
    "Acme",
    "Northwind",
    "Blue Ridge",
    "Summit",
    "Pioneer",
    "Evergreen",
    "Harbor",
    "Silverline",
    "Atlas",
    "Keystone",
    "Redwood",
    "Bright Path",
    "Ironclad",
    "Lakeside",
]
_EN_TRADES = [
    "Systems",
    "Logistics",
    "Solutions",
    "Foods",
    "Health",
    "Partners",
    "Manufacturing",
    "Software",
    "Realty",
    "Consulting",
]
# What is drawn from Faker, per language (the Russian provider has gendered surnames and


def _translit(text: str) -> str:
    """Latin letters for an email or domain made from a Cyrillic name."""
    return text.lower().translate(_TRANSLIT)


def _slug(text: str) -> str:
    letters = "".join(character if character.isalnum() else " " for character in _translit(text))
    return "".join(word for word in letters.split() if word.isascii())


def make_company_name(world: World, lang: str, wide: bool = False) -> str:
    """ "ООО «Технострой»", "АО «Логинов-Зуев»", "Acme Logistics", "Diaz, Reed and Lowe"…

    Built from the pooled surnames rather than Faker's `company()`; `wide` picks only the
    patterns with room for hundreds of thousands of names (two or three surnames).
    """
    rng = world.rng
    pattern = 0.8 if wide else rng.random()
    if lang == "ru":
        form = rng.choices(_RU_LEGAL_FORMS, [70, 15, 10, 5])[0]
        if pattern < 0.45:
            return f"{form} «{rng.choice(_RU_ROOTS)}{rng.choice(_RU_SUFFIXES).lower()}»"
        if pattern < 0.75:
            return f"{form} «{world.pools('ru', 'last_name_male')}»"
        if pattern < 0.9:
            return f"{form} «{world.pools('ru', 'last_name_male')}-{world.pools('ru', 'last_name_male')}»"
        return f"{world.pools('ru', 'last_name_male')} и партнёры"
    if pattern < 0.35:
        return f"{world.pools('en', 'last_name')} {rng.choice(_EN_FORMS)}"
    if pattern < 0.65:
        return f"{rng.choice(_EN_ROOTS)} {rng.choice(_EN_TRADES)}"
    if pattern < 0.85:
        return f"{world.pools('en', 'last_name')}-{world.pools('en', 'last_name')}"
    names = [world.pools("en", "last_name") for _ in range(3)]
    return f"{names[0]}, {names[1]} and {names[2]}"


def domain_for(name: str, lang: str) -> str | None:
    spaced = "".join(" " if character in "«»,-&" else character for character in name)
    words = [word for word in spaced.split() if word.lower() not in _NOT_IN_DOMAIN]
    slug = "-".join(_slug(word) for word in words[:2] if _slug(word))
    if not slug:
        return None
    return f"{slug}.{'ru' if lang == 'ru' else 'com'}"


def make_person_name(world: World, lang: str) -> tuple[str, str, str]:
    """(first, middle, last); Russians have a patronymic, and surnames agree with gender."""
    gender = "female" if world.chance(0.5) else "male"
    if lang == "ru":
        return (
            world.pools("ru", f"first_name_{gender}"),
            world.pools("ru", f"middle_name_{gender}"),
            world.pools("ru", f"last_name_{gender}"),
        )
    return world.pools("en", f"first_name_{gender}"), "", world.pools("en", "last_name")


def make_email(world: World, first: str, last: str, lang: str, domain: str | None) -> str:
    """A plausible address, unique in the demo so the merge screen is not flooded."""
    first_latin, last_latin = _slug(first) or "info", _slug(last) or "mail"
    if domain is None:
        domain = world.rng.choice(_FREE_MAIL[lang])
        local = world.rng.choice(
            [
                f"{first_latin}.{last_latin}{world.rng.randint(1, 99)}",
                f"{last_latin}.{first_latin[0]}{world.rng.randint(60, 99)}",
                f"{first_latin}{last_latin}{world.rng.randint(100, 999)}",
            ]
        )
    else:
        local = world.rng.choice(
            [f"{first_latin}.{last_latin}", f"{first_latin[0]}.{last_latin}", last_latin]
        )
    value = f"{local}@{domain}"
    if value.casefold() in world.used_emails:
        value = f"{local}{len(world.used_emails)}@{domain}"
    world.used_emails.add(value.casefold())
    return value


def _number(country_code: int, national_number: int) -> phonenumbers.PhoneNumber:
    return phonenumbers.PhoneNumber(country_code=country_code, national_number=national_number)


def _phone_number(world: World, lang: str, mobile: bool = True) -> phonenumbers.PhoneNumber:
    """A valid number: Russian mobile (9xx) or city; American, or British mobile or London."""
    rng = world.rng
    if lang == "ru":
        if mobile:
            return _number(7, rng.randint(900_000_0000, 999_999_9999))
        return _number(7, rng.choice(_RU_CITY_CODES) * 10**7 + rng.randint(100_0000, 999_9999))
    if rng.random() < 0.7:
        exchange = rng.randint(200, 999)
        exchange += 1 if exchange % 100 == 11 else 0  # N11 exchanges are service codes
        area = rng.choice(_US_AREA_CODES)
        return _number(1, area * 10**7 + exchange * 10**4 + rng.randint(0, 9999))
    if not mobile:
        # A London office: 020 7xxx xxxx.
        return _number(44, 207 * 10**7 + rng.randint(0, 10**7 - 1))
    prefix = rng.choice(_UK_MOBILE_PREFIXES)
    return _number(44, prefix * 10**8 + rng.randint(0, 10**8 - 1))


def make_phone(world: World, lang: str, mobile: bool = True) -> tuple[str, str]:
    """(as written, E.164). Russians write "+7 912 345-67-89" or "8 (912) 345-67-89"."""
    while True:
        number = _phone_number(world, lang, mobile)
        # E.164 is "+", country code, national number; spelt out because phonenumbers takes as
        # long to print it as the display form, and the benchmark makes 300,000 of them.
        e164 = f"+{number.country_code}{number.national_number}"
        if e164 not in world.used_phones:
            break
    world.used_phones.add(e164)
    style = phonenumbers.PhoneNumberFormat.INTERNATIONAL
    if lang == "ru" and world.chance(0.5):
        style = phonenumbers.PhoneNumberFormat.NATIONAL
    return phonenumbers.format_number(number, style), e164
