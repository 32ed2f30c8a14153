"""Business words for the demo: what Faker lacks or gets wrong for a CRM.

Faker supplies people's names, cities and streets (see `world.Pools`); job titles, deal
subjects, call outcomes, notes and the like are here, in Russian and English.
"""

from __future__ import annotations

from crm_tui.db.models import ActivityKind

INDUSTRIES = {
    "ru": [
        "Розничная торговля",
        "Строительство",
        "Логистика",
        "ИТ и разработка",
        "Производство",
        "Медицина",
        "Образование",
        "Финансы",
        "Общепит",
        "Недвижимость",
        "Консалтинг",
    ],
    "en": [
        "Retail",
        "Construction",
        "Logistics",
        "Software",
        "Manufacturing",
        "Healthcare",
        "Education",
        "Finance",
        "Hospitality",
        "Real estate",
        "Consulting",
    ],
}
JOB_TITLES = {
    "ru": [
        "Генеральный директор",
        "Коммерческий директор",
        "Финансовый директор",
        "Главный бухгалтер",
        "Менеджер по закупкам",
        "Руководитель отдела продаж",
        "ИТ-директор",
        "Офис-менеджер",
        "Главный инженер",
        "Юрист",
        "Директор по маркетингу",
    ],
    "en": [
        "CEO",
        "Sales Director",
        "CFO",
        "Head of Procurement",
        "Office Manager",
        "CTO",
        "Marketing Manager",
        "Operations Manager",
        "Account Manager",
        "Legal Counsel",
        "Project Manager",
    ],
}
GOALS = {
    "ru": [
        "Обсудить коммерческое предложение",
        "Уточнить бюджет",
        "Согласовать договор",
        "Напомнить об оплате",
        "Предложить продление",
        "Назначить встречу",
    ],
    "en": [
        "Discuss the proposal",
        "Confirm the budget",
        "Agree on the contract",
        "Remind about the invoice",
        "Offer a renewal",
        "Set up a meeting",
    ],
}
DEAL_SUBJECTS = {
    "ru": [
        "Поставка оборудования",
        "Внедрение CRM",
        "Годовое обслуживание",
        "Лицензии на ПО",
        "Аудит инфраструктуры",
        "Обучение персонала",
        "Разработка сайта",
        "Поставка расходников",
    ],
    "en": [
        "Hardware supply",
        "CRM rollout",
        "Annual support",
        "Software licences",
        "Infrastructure audit",
        "Staff training",
        "Website build",
        "Consumables supply",
    ],
}
ACTIVITY_TITLES = {
    ActivityKind.CALL: {
        "ru": ["Позвонить: уточнить бюджет", "Звонок по КП", "Перезвонить по договору", "Первый звонок"],
        "en": [
            "Call about the budget",
            "Call about the proposal",
            "Call back about the contract",
            "Intro call",
        ],
    },
    ActivityKind.MEETING: {
        "ru": ["Встреча: презентация", "Встреча в офисе клиента", "Демонстрация продукта"],
        "en": ["Demo meeting", "On-site meeting", "Product presentation"],
    },
    ActivityKind.EMAIL: {
        "ru": ["Отправить КП", "Отправить счёт", "Отправить договор"],
        "en": ["Send the proposal", "Send the invoice", "Send the contract"],
    },
    ActivityKind.TASK: {
        "ru": ["Подготовить договор", "Проверить оплату", "Обновить карточку клиента", "Подготовить расчёт"],
        "en": ["Prepare the contract", "Check the payment", "Update the client's card", "Prepare a quote"],
    },
}
OUTCOMES = {
    ActivityKind.CALL: {
        "ru": ["Договорились о встрече", "Не дозвонился", "Ждут КП", "Просили перезвонить через неделю"],
        "en": ["Meeting agreed", "No answer", "Waiting for the proposal", "Call back next week"],
    },
    ActivityKind.MEETING: {
        "ru": ["Согласовали условия", "Показали демо, ждут решения", "Перенесли на следующую неделю"],
        "en": ["Terms agreed", "Demo done, waiting for a decision", "Moved to next week"],
    },
    ActivityKind.EMAIL: {
        "ru": ["Отправлено", "Получили ответ", "Попросили уточнить цены"],
        "en": ["Sent", "Got a reply", "Asked to clarify the prices"],
    },
    ActivityKind.TASK: {
        "ru": ["Готово", "Сделано частично"],
        "en": ["Done", "Partly done"],
    },
}
NOTES = {
    "ru": [
        "Клиент просит скидку 10%",
        "Решение принимает собственник",
        "Интересуются интеграцией с 1С",
        "Бюджет утверждают в следующем квартале",
        "Просили перезвонить после отпуска",
        "Сравнивают с конкурентом",
    ],
    "en": [
        "Asks for a 10% discount",
        "The owner makes the decision",
        "Interested in the accounting integration",
        "Budget gets approved next quarter",
        "Asked to call back after the holidays",
        "Comparing us with a competitor",
    ],
}
# Deals with the same subject for the same client are told apart by a stage of the work, as
# people name them: "Внедрение CRM, 2 этап", "CRM rollout, phase 2".
DEAL_PHASE = {"ru": "{subject}, {phase} этап", "en": "{subject}, phase {phase}"}
TAGS = ["VIP", "Partner", "Supplier", "Reseller", "Постоянный клиент"]
DISQUALIFY_REASONS = ["no budget", "no need", "competitor", "spam", "duplicate"]
LOST_REASONS = ["price too high", "went with a competitor", "no budget", "project cancelled", "no response"]
