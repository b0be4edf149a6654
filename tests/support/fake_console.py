"""What the fake vendors have "registered in the console": the app's own templates.

A carrier platform sends only templates registered in its console, and notify sends only
the templates of its ``sms-templates.toml`` (``TEMPLATE_DIR``'s, else the shipped demo
set). The fakes register that same file, read the way notify reads it
(:func:`services.notify.domain.sms_templates.load`), so a test or ``make run`` against a
fake goes through the real pipeline: the code and variables notify hands over are the
ones the fake knows, and a code or variable notify got wrong is refused as the vendor
would refuse it.

:func:`hospital_template_dir` writes a hospital's own file (the demo's texts under codes
that are not the shipped placeholders), for a production configuration: production
refuses the shipped file.
"""

from __future__ import annotations

import re
from pathlib import Path

from services.notify.domain import sms_templates


def registered(template_dir: str = "") -> sms_templates.Registry:
    """The templates notify would send with ``TEMPLATE_DIR=template_dir``."""
    return sms_templates.load(template_dir)


def aliyun_templates(template_dir: str = "") -> dict[str, tuple[str, ...]]:
    """Alibaba Cloud's console: TemplateCode → the variable names of its text."""
    return {t.codes["aliyun"]: t.variables
            for t in registered(template_dir).templates.values() if t.codes.get("aliyun")}


def tencent_templates(template_dir: str = "") -> dict[str, int]:
    """Tencent Cloud's console: TemplateId → how many variables (``{1}`` … ``{n}``)."""
    return {t.codes["tencent"]: len(t.variables)
            for t in registered(template_dir).templates.values() if t.codes.get("tencent")}


def hospital_template_dir(folder: Path, link_address: str = "") -> str:
    """A ``TEMPLATE_DIR`` holding a hospital's ``sms-templates.toml``: the demo's texts,
    registered under the hospital's own codes (SMS_7100200NN, 17100NN), not the
    placeholders of the shipped file, with the patient link under ``link_address`` (the
    booking service's ``<BOOKING_URL>/p/``; the shipped file's when empty). Returns the
    directory for ``template_dir`` / ``TEMPLATE_DIR``."""
    text = sms_templates.shipped_text()
    if link_address:
        text = text.replace(sms_templates.parse(text, "shipped").link_address, link_address)
    text = re.sub(r'aliyun = "SMS_4800100(\d\d)"', r'aliyun = "SMS_7100200\1"', text)
    text = re.sub(r'tencent = "24800(\d\d)"', r'tencent = "17100\1"', text)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / sms_templates.FILE_NAME).write_text(text, encoding="utf-8")
    shipped = set(aliyun_templates()) | set(tencent_templates())
    own = set(aliyun_templates(str(folder))) | set(tencent_templates(str(folder)))
    assert own and not own & shipped, "every code is the hospital's own"
    return str(folder)
