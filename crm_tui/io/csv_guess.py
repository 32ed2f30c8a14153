"""A best guess at what a column holds from its header alone, in English and Russian.

Headers are compared case-folded, with punctuation as spaces and ё as е ("E-mail" and "email",
"Ф.И.О." and "ФИО" alike). Rules run in order and the first that matches wins, so the more
specific come first: "Company Main Phone" is a phone before it is a company, "First Name" a
first name before it is a name, "E-mail Display Name" nothing at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from crm_tui.io.csv_fields import IGNORE, Mapping, field_for

Rule = tuple[re.Pattern[str], str | Callable[[str, str], str]]

_PUNCTUATION = re.compile(r"[\W_]+")


@lru_cache(maxsize=4096)
def normalise_header(text: str) -> str:
    """A header as the rules compare it: "E-mail 1 - Value" → "e mail 1 value", "Ф.И.О." → "ф и о"."""
    return " ".join(_PUNCTUATION.sub(" ", text.casefold().replace("ё", "е")).split())


def _words(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"(?:^|\s)(?:{pattern})(?:$|\s)")


_WORK = _words(r"work|business|office|corporate|company|рабоч\w*|служебн\w*|корпоративн\w*")
_HOME = _words(r"home|personal|private|домашн\w*|личн\w*|частн\w*")
_OTHER = _words(r"other|alternate|secondary|друг\w*|дополнительн\w*")
_MAIN = _words(r"main|primary|основн\w*|главн\w*")


def _place_kind(header: str) -> str:
    for pattern, kind in ((_WORK, "work"), (_HOME, "home"), (_OTHER, "other")):
        if pattern.search(header):
            return kind
    return ""


def _phone_kind(header: str) -> str:
    return _place_kind(header) or ("main" if _MAIN.search(header) else "")


def _kinded(concept: str, kind_of: Callable[[str], str]) -> Callable[[str, str], str]:
    def decide(header: str, target: str) -> str:
        kind = kind_of(header)
        return f"{concept}:{kind}" if kind else concept

    return decide


def _by_target(default: str, **per_target: str) -> Callable[[str, str], str]:
    return lambda header, target: per_target.get(target, default)


def _address(header: str, target: str) -> str:
    """A "Home Address" is a street with a kind; a bare "Address"/"Адрес" is a whole address."""
    kind = _place_kind(header)
    return f"street:{kind}" if kind else "address"


# Columns that name something else about the person (their assistant, their nickname) or
# describe another column (its type, its label): never data we import.
_IGNORED = _words(
    r"assistant\w*|manager\w*|spouse\w*|children|nick|nickname|nick name|yomi|phonetic|initials|"
    r"prefix\w*|suffix\w*|maiden|gender|type|label|display name|po box|pobox|im|icq|skype|"
    r"short name|mail client|ответственн\w*|обращение|тип|пол|кем|изменени\w*|id"
)

_RULES: list[Rule] = [
    (_IGNORED, IGNORE),
    (_words(r"e mail|email|emails|mail|почта|почты|емейл|имейл|электронн\w*"), _kinded("email", _place_kind)),
    (_words(r"fax|факс\w*"), "phone:fax"),
    (_words(r"pager|beeper|пейджер\w*"), "phone:pager"),
    (_words(r"mobile|cell|cellphone|cellular|мобильн\w*|сотов\w*|моб"), "phone:cell"),
    (_words(r"phone|phones|telephone|tel|тел|телефон\w*"), _kinded("phone", _phone_kind)),
    (_words(r"web|website|site|url|homepage|home page|сайт\w*|веб сайт"), "website"),
    (_words(r"street|улиц\w*"), _kinded("street", _place_kind)),
    (_words(r"city|town|locality|город\w*|населенн\w*"), _kinded("city", _place_kind)),
    # Before the region: Outlook's "Home Country/Region" is a country.
    (_words(r"country|стран\w*"), _kinded("country", _place_kind)),
    (
        _words(r"state|region|province|county|регион\w*|област\w*|кра[йя]|район\w*"),
        _kinded("region", _place_kind),
    ),
    (_words(r"zip|zipcode|postcode|postal|post code|индекс\w*"), _kinded("postcode", _place_kind)),
    (_words(r"address|addresses|адрес\w*"), _address),
    (_words(r"birth year|year of birth|год рождения"), "birth_year"),
    (_words(r"birth month|month of birth|месяц рождения"), "birth_month"),
    (_words(r"birth day"), "birth_day"),
    (_words(r"birthday|birthdate|birth|born|dob|рождени\w*|др"), "birthday"),
    (
        _words(r"notes?|comments?|remarks?|memo|description|примечани\w*|комментари\w*|заметк\w*|описани\w*"),
        "notes",
    ),
    (
        _words(r"tags?|categor\w*|labels?|groups?|group membership|тег\w*|метк\w*|категори\w*|групп\w*"),
        "tags",
    ),
    (_words(r"currency|валют\w*"), "currency"),
    (
        _words(
            r"amount|value|sum|total|price|budget|revenue|opportunity|сумм\w*|стоимост\w*|бюджет\w*|цен\w*"
        ),
        "amount",
    ),
    (_words(r"next contact|next call|follow up|followup|следующ\w*"), "next_contact_on"),
    (_words(r"close date|closing date|expected close|дата закрытия|закрыти\w*"), "expected_close_on"),
    (_words(r"created|created at|creation date|date created|дата создания|создан\w*"), "created_at"),
    (_words(r"source|lead source|channel|utm source|источник\w*|канал\w*"), "source"),
    (_words(r"status|статус\w*"), "status"),
    (_words(r"stage|pipeline stage|deal stage|стади\w*|этап\w*"), _by_target("stage", leads="status")),
    (_words(r"industry|sector|отрасл\w*|сфера\w*"), "industry"),
    (_words(r"department|dept|division|отдел\w*|подразделени\w*"), "department"),
    (
        _words(
            r"company|companies|organization|organisation|org|employer|firm|account|компани\w*|организаци\w*|фирм\w*|работодател\w*"
        ),
        "company",
    ),
    (
        _words(r"job|job title|position|role|occupation|profession|должност\w*|позици\w*|профессия"),
        "job_title",
    ),
    (_words(r"deal|lead|opportunity name|subject|тема|сделк\w*|лид\w*|заявк\w*|название"), "record_title"),
    (_words(r"title"), _by_target("record_title", contacts="job_title", companies=IGNORE)),
    (_words(r"first|first name|firstname|given|given name|forename|имя"), "person_first"),
    (_words(r"middle|middle name|additional name|additional names|отчеств\w*"), "person_middle"),
    (_words(r"last|last name|lastname|surname|family|family name|фамили\w*"), "person_last"),
    (
        _words(r"contact|contact person|контакт\w*|контактн\w* лиц\w*"),
        _by_target("person_full", deals="deal_contact"),
    ),
    (
        _words(
            r"name|full name|fullname|display name|person|фио|ф и о|полное имя|имя фамилия|ф и о контакта"
        ),
        _by_target("person_full", companies="company", deals="record_title"),
    ),
    (_words(r"uid|guid|vcard uid"), "uid"),
]

# Whole headers whose meaning the word rules would get wrong.
_EXACT: dict[str, str | Callable[[str, str], str]] = {
    "фио": "person_full",
    "полное имя": "person_full",
    "имя и фамилия": "person_full",
    "фамилия имя отчество": "person_full",
    "display name": "person_full",
    "full name": "person_full",
    "контактное лицо": _by_target("person_full", deals="deal_contact"),
    "company name": "company",
    "название компании": "company",
    "имя": "person_first",
    "e mail display name": IGNORE,
    # Japanese exports (no spaces between words, so the word rules cannot see them).
    "名前": "person_full",
    "氏名": "person_full",
    "姓": "person_last",
    "名": "person_first",
    "メール": "email",
    "メールアドレス": "email",
    "電子メール": "email",
    "電話": "phone",
    "電話番号": "phone",
    "携帯": "phone:cell",
    "携帯電話": "phone:cell",
    "会社": "company",
    "会社名": "company",
    "部署": "department",
    "役職": "job_title",
    "住所": "address",
    "メモ": "notes",
    "備考": "notes",
}


def concept_for_header(header: str, target: str) -> str:
    """The concept (possibly with a kind, "phone:cell") a column header suggests, or IGNORE."""
    name = normalise_header(header)
    decision = _EXACT.get(name)
    if decision is None:
        decision = next((then for pattern, then in _RULES if pattern.search(name)), IGNORE)
    return decision(name, target) if callable(decision) else decision


def guess_mapping(header: list[str], target: str) -> Mapping:
    """A best guess from header names; anything unrecognised is ignored.

    When both "Title" and "Job Title" are there (Outlook-like files), the bare "Title" is the
    honorific (Mr, Dr), not the job, so it is ignored.
    """
    names = {normalise_header(column) for column in header}
    columns = {}
    for column in header:
        if normalise_header(column) == "title" and "job title" in names:
            columns[column] = IGNORE
        else:
            columns[column] = field_for(concept_for_header(column, target), target)
    return Mapping(target=target, columns=columns)
