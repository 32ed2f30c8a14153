"""Presets for address books and mail programs: Google Contacts (both CSV layouts), Outlook,
Windows Address Book, Thunderbird, Yahoo, KAddressBook and Palm Desktop (which writes no
header at all)."""

from __future__ import annotations

import re

from crm_tui.io.csv_fields import IGNORE
from crm_tui.io.csv_preset_base import Preset, need, table

# ---------------------------------------------------------------- Google

_GOOGLE_NUMBERED = tuple(
    (re.compile(pattern), concept)
    for pattern, concept in (
        (r"^e mail \d+ value$", "email"),
        (r"^phone \d+ value$", "phone"),
        (r"^address \d+ street$", "street"),
        (r"^address \d+ city$", "city"),
        (r"^address \d+ region$", "region"),
        (r"^address \d+ postal code$", "postcode"),
        (r"^address \d+ country$", "country"),
        (r"^organization \d+ name$", "company"),
        (r"^organization \d+ title$", "job_title"),
        (r"^organization \d+ department$", "department"),
        (r"^website \d+ value$", "website"),
        (
            r"^(e mail|phone|address|organization|website|relation|im|event|custom field|external id) \d+ ",
            IGNORE,
        ),
    )
)
_GOOGLE_COMMON = table(
    birthday=("Birthday",),
    notes=("Notes",),
    ignore=("Name Prefix", "Name Suffix", "Nickname", "Initials", "Short Name", "Maiden Name", "Gender"),
    ignore_more=("Location", "Billing Information", "Directory Server", "Mileage", "Occupation", "Hobby"),
    ignore_rest=("Sensitivity", "Priority", "Subject", "Photo", "File As", "Language"),
)
GOOGLE_LEGACY = Preset(
    name="Google Contacts (legacy)",
    required=need(
        ("Given Name", "Family Name", "E-mail 1 - Value"), ("Given Name", "Family Name", "Group Membership")
    ),
    columns={
        **_GOOGLE_COMMON,
        **table(
            person_full=("Name",),
            person_first=("Given Name",),
            person_middle=("Additional Name",),
            person_last=("Family Name",),
            tags=("Group Membership",),
            ignore=("Yomi Name", "Given Name Yomi", "Additional Name Yomi", "Family Name Yomi"),
        ),
    },
    patterns=_GOOGLE_NUMBERED,
    paired_kinds=True,
)
GOOGLE = Preset(
    name="Google Contacts",
    required=need(("First Name", "Last Name", "Labels"), ("First Name", "Last Name", "E-mail 1 - Value")),
    columns={
        **_GOOGLE_COMMON,
        **table(
            person_first=("First Name",),
            person_middle=("Middle Name",),
            person_last=("Last Name",),
            company=("Organization Name",),
            job_title=("Organization Title",),
            department=("Organization Department",),
            tags=("Labels",),
            ignore=(
                "Phonetic First Name",
                "Phonetic Middle Name",
                "Phonetic Last Name",
                "Organization Phonetic Name",
            ),
        ),
    },
    patterns=_GOOGLE_NUMBERED,
    paired_kinds=True,
)

# ---------------------------------------------------------------- Outlook and Windows

_OUTLOOK_TABLE = table(
    person_full=("Name",),  # Windows Address Book only
    person_first=("First Name",),
    person_middle=("Middle Name",),
    person_last=("Last Name",),
    company=("Company",),
    department=("Department",),
    job_title=("Job Title",),
    street_K_work=("Business Street", "Business Street 2", "Business Street 3"),
    city_K_work=("Business City",),
    region_K_work=("Business State",),
    postcode_K_work=("Business Postal Code",),
    country_K_work=("Business Country", "Business Country/Region"),
    street_K_home=("Home Street", "Home Street 2", "Home Street 3"),
    city_K_home=("Home City",),
    region_K_home=("Home State",),
    postcode_K_home=("Home Postal Code",),
    country_K_home=("Home Country", "Home Country/Region"),
    street_K_other=("Other Street", "Other Street 2", "Other Street 3"),
    city_K_other=("Other City",),
    region_K_other=("Other State",),
    postcode_K_other=("Other Postal Code",),
    country_K_other=("Other Country", "Other Country/Region"),
    phone_K_fax=("Business Fax", "Home Fax", "Other Fax"),
    phone_K_work=("Business Phone", "Business Phone 2"),
    phone_K_home=("Home Phone", "Home Phone 2"),
    phone_K_cell=("Mobile Phone",),
    phone_K_main=("Company Main Phone", "Primary Phone"),
    phone_K_pager=("Pager",),
    phone_K_other=("Car Phone", "ISDN", "Other Phone", "Radio Phone", "TTY/TDD Phone", "Callback"),
    email=("E-mail Address", "E-mail 2 Address", "E-mail 3 Address"),
    birthday=("Birthday",),
    tags=("Categories",),
    notes=("Notes",),
    website=("Web Page", "Personal Web Page", "Business Web Page"),
    ignore=(
        "Title",
        "Suffix",
        "Nickname",
        "Initials",
        "Assistant's Phone",
        "Telex",
        "Account",
        "Anniversary",
    ),
    ignore_names=("Assistant's Name", "Manager's Name", "Spouse", "Children", "Referred By", "Given Yomi"),
    ignore_email=("E-mail Type", "E-mail Display Name", "E-mail 2 Type", "E-mail 2 Display Name"),
    ignore_email3=("E-mail 3 Type", "E-mail 3 Display Name", "Surname Yomi", "Company Yomi", "IMAddress"),
    ignore_boxes=(
        "Business Address PO Box",
        "Home Address PO Box",
        "Other Address PO Box",
        "Office Location",
    ),
    ignore_admin=("Billing Information", "Directory Server", "Gender", "Government ID Number", "Hobby"),
    ignore_more=(
        "Internet Free Busy",
        "Keywords",
        "Language",
        "Location",
        "Mileage",
        "Organizational ID Number",
    ),
    ignore_rest=("Priority", "Private", "Profession", "Sensitivity", "User 1", "User 2", "User 3", "User 4"),
    ignore_last=("Schools",),
)
OUTLOOK = Preset(
    name="Outlook",
    required=need(("First Name", "Last Name", "E-mail Address", "E-mail 2 Address")),
    columns=_OUTLOOK_TABLE,
    # Outlook writes dates in the system's short format; the US one (month first) is the
    # commonest in exports that reach us, and a day over 12 still decides by itself.
    day_first=False,
)
WINDOWS_ADDRESS_BOOK = Preset(
    name="Windows Address Book",
    required=need(("First Name", "Last Name", "Name", "Nickname", "E-mail Address")),
    columns=_OUTLOOK_TABLE,
    day_first=False,
)

# ---------------------------------------------------------------- mail programs

THUNDERBIRD = Preset(
    name="Thunderbird",
    required=need(("First Name", "Last Name", "Display Name", "Primary Email")),
    columns=table(
        person_first=("First Name",),
        person_last=("Last Name",),
        person_full=("Display Name",),
        email=("Primary Email", "Secondary Email"),
        phone_K_work=("Work Phone",),
        phone_K_home=("Home Phone",),
        phone_K_fax=("Fax Number",),
        phone_K_pager=("Pager Number",),
        phone_K_cell=("Mobile Number",),
        street_K_home=("Home Address", "Home Address 2"),
        city_K_home=("Home City",),
        region_K_home=("Home State",),
        postcode_K_home=("Home ZipCode",),
        country_K_home=("Home Country",),
        street_K_work=("Work Address", "Work Address 2"),
        city_K_work=("Work City",),
        region_K_work=("Work State",),
        postcode_K_work=("Work ZipCode",),
        country_K_work=("Work Country",),
        job_title=("Job Title",),
        department=("Department",),
        company=("Organization",),
        website=("Web Page 1", "Web Page 2"),
        birth_year=("Birth Year",),
        birth_month=("Birth Month",),
        birth_day=("Birth Day",),
        notes=("Notes",),
        ignore=("Nickname", "Screen Name", "Custom 1", "Custom 2", "Custom 3", "Custom 4"),
    ),
)
YAHOO = Preset(
    name="Yahoo",
    required=need(("First", "Last", "Email", "Alternate Email 1")),
    columns=table(
        person_first=("First",),
        person_middle=("Middle",),
        person_last=("Last",),
        email=("Email", "Alternate Email 1", "Alternate Email 2"),
        tags=("Category",),
        phone_K_home=("Home",),
        phone_K_work=("Work",),
        phone_K_pager=("Pager",),
        phone_K_fax=("Fax",),
        phone_K_cell=("Mobile",),
        phone_K_other=("Other", "Yahoo! Phone", "Yahoo Phone"),
        phone_K_main=("Primary",),
        website=("Personal Website", "Business Website"),
        job_title=("Title",),
        company=("Company",),
        street_K_work=("Work Address",),
        city_K_work=("Work City",),
        region_K_work=("Work County", "Work State"),
        postcode_K_work=("Work Post Code", "Work ZIP"),
        country_K_work=("Work Country",),
        street_K_home=("Home Address",),
        city_K_home=("Home Town", "Home City"),
        region_K_home=("Home County", "Home State"),
        postcode_K_home=("Home Post Code", "Home ZIP"),
        country_K_home=("Home Country",),
        birthday=("Birthday",),
        notes=("Comments",),
        ignore=("Nickname", "Distribution Lists", "Yahoo! ID", "Messenger ID", "Anniversary"),
        ignore_custom=("Custom 1", "Custom 2", "Custom 3", "Custom 4"),
    ),
)
KADDRESSBOOK = Preset(
    name="KAddressBook",
    required=need(("Formatted Name", "Family Name", "Given Name", "Email Address")),
    columns=table(
        person_full=("Formatted Name",),
        person_last=("Family Name",),
        person_first=("Given Name",),
        person_middle=("Additional Names",),
        birthday=("Birthday",),
        street_K_home=("Home Address Street",),
        city_K_home=("Home Address Locality",),
        region_K_home=("Home Address Region",),
        postcode_K_home=("Home Address Postal Code",),
        country_K_home=("Home Address Country",),
        street_K_work=("Business Address Street",),
        city_K_work=("Business Address Locality",),
        region_K_work=("Business Address Region",),
        postcode_K_work=("Business Address Postal Code",),
        country_K_work=("Business Address Country",),
        phone_K_home=("Home Phone",),
        phone_K_work=("Business Phone",),
        phone_K_cell=("Mobile Phone",),
        phone_K_fax=("Home Fax", "Business Fax"),
        phone_K_pager=("Pager",),
        phone_K_other=("Car Phone", "ISDN"),
        email=("Email Address",),
        job_title=("Title", "Role"),
        company=("Organization",),
        department=("Department",),
        notes=("Note",),
        website=("URL",),
        ignore=("Honorific Prefixes", "Honorific Suffixes", "Nick Name", "Home Address Label"),
        ignore_more=("Business Address Label", "Mail Client", "Profession", "Assistant's Name"),
        ignore_rest=("Manager's Name", "Spouse's Name", "Office", "IM Address", "Anniversary"),
    ),
)
# Palm Desktop writes no header: Last, First, Title, Company, four phones (labelled Work,
# Home, Fax, Other by default), E-mail, the address, four custom fields, Note, Private, Category.
PALM = Preset(
    name="Palm Desktop",
    required=need(tuple(f"column {position}" for position in range(1, 22))),
    columns=table(
        person_last=("column 1",),
        person_first=("column 2",),
        job_title=("column 3",),
        company=("column 4",),
        phone_K_work=("column 5",),
        phone_K_home=("column 6",),
        phone_K_fax=("column 7",),
        phone_K_other=("column 8",),
        email=("column 9",),
        street=("column 10",),
        city=("column 11",),
        region=("column 12",),
        postcode=("column 13",),
        country=("column 14",),
        notes=("column 19",),
        tags=("column 21",),
        ignore=("column 15", "column 16", "column 17", "column 18", "column 20"),
    ),
    width=21,
    day_first=False,
)
