"""Presets for CRM exports: Bitrix24 leads, deals, contacts and companies (Russian headers),
and crm-tui's own CSV export (csv_write), so that an export imports back as it was."""

from __future__ import annotations

from crm_tui.io.csv_guess import normalise_header
from crm_tui.io.csv_preset_base import Preset, need, table

# ---------------------------------------------------------------- Bitrix24 (Russian headers)

_BITRIX_PERSON = table(
    person_first=("Имя",),
    person_middle=("Отчество",),
    person_last=("Фамилия",),
    birthday=("Дата рождения",),
    job_title=("Должность",),
    address=("Адрес",),
    phone_K_work=("Рабочий телефон",),
    phone_K_cell=("Мобильный телефон",),
    phone_K_fax=("Номер факса", "Факс"),
    phone_K_home=("Домашний телефон",),
    phone_K_pager=("Номер пейджера", "Пейджер"),
    phone_K_other=("Телефон для рассылок", "Другой телефон"),
    email_K_work=("Рабочий e-mail",),
    email_K_home=("Частный e-mail",),
    email_K_other=("E-mail для рассылок", "Другой e-mail"),
    website=("Корпоративный сайт", "Личная страница", "Сайт"),
    source=("Источник",),
    notes=("Комментарий",),
    created_at=("Дата создания",),
    ignore=("ID", "Обращение", "Ответственный", "Кем создан", "Кем изменен", "Дата изменения"),
    ignore_more=("Дополнительно об источнике", "Описание статуса", "Доступен для всех", "Тип контакта"),
)
BITRIX_LEADS = Preset(
    name="Bitrix24 leads",
    holds="leads",
    required=need(("Название лида",)),
    columns={
        **_BITRIX_PERSON,
        **table(
            record_title=("Название лида",),
            company=("Название компании",),
            status=("Статус", "Стадия"),
            amount=("Сумма", "Возможная сумма сделки"),
            currency=("Валюта",),
        ),
    },
)
BITRIX_DEALS = Preset(
    name="Bitrix24 deals",
    holds="deals",
    required=need(("Название сделки",), ("Стадия сделки", "Сумма")),
    columns=table(
        record_title=("Название сделки",),
        stage=("Стадия сделки", "Стадия"),
        amount=("Сумма",),
        currency=("Валюта",),
        company=("Компания",),
        deal_contact=("Контакт",),
        expected_close_on=("Предполагаемая дата закрытия", "Дата завершения"),
        notes=("Комментарий",),
        source=("Источник",),
        created_at=("Дата создания",),
        ignore=("ID", "Ответственный", "Дата начала", "Вероятность", "Тип", "Кем создан"),
        ignore_more=("Кем изменен", "Дата изменения", "Дополнительно об источнике", "Воронка"),
    ),
)
BITRIX_CONTACTS = Preset(
    name="Bitrix24 contacts",
    required=need(
        ("Имя", "Фамилия", "Рабочий телефон"),
        ("Имя", "Фамилия", "Мобильный телефон"),
        ("Имя", "Фамилия", "Рабочий e-mail"),
    ),
    columns={**_BITRIX_PERSON, **table(company=("Компания", "Компании", "Название компании"))},
    forbidden=frozenset(normalise_header(name) for name in ("Название лида", "Название сделки")),
)
BITRIX_COMPANIES = Preset(
    name="Bitrix24 companies",
    holds="companies",
    required=need(("Название компании", "Сфера деятельности"), ("Название компании", "Тип компании")),
    columns=table(
        company=("Название компании",),
        industry=("Сфера деятельности",),
        phone=("Рабочий телефон", "Телефон"),
        email=("Рабочий e-mail", "E-mail"),
        website=("Корпоративный сайт", "Сайт"),
        address=("Адрес", "Фактический адрес", "Юридический адрес"),
        notes=("Комментарий",),
        ignore=("ID", "Тип компании", "Годовой оборот", "Количество сотрудников", "Ответственный"),
        ignore_more=("Дата создания", "Дата изменения", "Кем создан", "Кем изменен", "Валюта"),
    ),
    forbidden=frozenset(normalise_header(name) for name in ("Название лида", "Название сделки", "Имя")),
)

# ---------------------------------------------------------------- our own export (csv_write)


def _own(name: str, **groups: tuple[str, ...]) -> Preset:
    """The preset of our own export "crm-tui KIND" (whose file holds KIND)."""
    columns = table(**groups)
    holds = name.split()[-1]
    return Preset(
        name=name, required=(frozenset(columns),), columns=columns, restore_formulas=True, holds=holds
    )


CRM_CONTACTS = _own(
    "crm-tui contacts",
    ignore=("id", "source", "next_contact_on", "created_at"),
    person_full=("full_name",),
    person_first=("first_name",),
    person_middle=("middle_name",),
    person_last=("last_name",),
    company=("company",),
    job_title=("title",),
    email=("email",),
    phone=("phone",),
    birthday=("birthday",),
    tags=("tags",),
    notes=("notes",),
)
CRM_LEADS = _own(
    "crm-tui leads",
    ignore=("id",),
    record_title=("title",),
    person_full=("name",),
    company=("company",),
    email=("email",),
    phone=("phone",),
    source=("source",),
    status=("status",),
    amount=("value",),
    currency=("currency",),
    notes=("notes",),
    next_contact_on=("next_contact_on",),
    next_contact_goal=("next_contact_goal",),
    reason=("disqualify_reason",),
    created_at=("created_at",),
)
CRM_COMPANIES = _own(
    "crm-tui companies",
    ignore=("id", "tags"),
    company=("name",),
    website=("website",),
    industry=("industry",),
    phone=("phone",),
    email=("email",),
    address=("address",),
    notes=("notes",),
)
CRM_DEALS = _own(
    "crm-tui deals",
    ignore=("id", "status"),
    closed_at=("closed_at",),
    reason=("lost_reason",),
    record_title=("title",),
    stage=("stage",),
    amount=("amount",),
    currency=("currency",),
    deal_contact=("contact",),
    company=("company",),
    expected_close_on=("expected_close_on",),
    notes=("notes",),
)
