"""What the whole-suite log check looks for: personal data that must never be logged.

Phones, identity card numbers and emails by their shape; names and complaints by the values
the tests give patients (a log line with one of them carries a patient's data, whatever else
it says).
"""

from __future__ import annotations

import re

# Only digits (and a mask's *) bound a number: a phone next to Chinese text
# ("电话13800138000"), after a letter, "_" or "-" ("id_13800138000"), or dotted counts too.
FULL_PHONE = re.compile(
    r"(?<![0-9*])(?:\+?86[\s.-]?)?1[3-9]\d(?:[\s.-]?\d){8}(?![0-9])")
#: 居民身份证: 17 digits and a check digit or X.
ID_CARD = re.compile(r"(?<![0-9*])\d{17}[\dXx](?![0-9])")
EMAIL = re.compile(r"[\w.+-]{2,}@[\w-]+\.[\w.]+")
#: Patients' names and complaints the tests use (tests.support.booking, test_patients,
#: test_privacy, the fault and bench bursts).
SEEDED = ("张三", "胸闷两周", "于小鱼", "家属电话问HIV复诊", "发热两天", "反复胸痛", "小明", "小红",
          "王芳", "赵敏", "周杰", "吴刚", "冯妍", "陈老", "王小明", "李雷", "韩梅梅", "李华")


def personal_data_in(text: str) -> list[str]:
    return ([m.group(0) for m in FULL_PHONE.finditer(text)] + ID_CARD.findall(text)
            + EMAIL.findall(text)
            + [word for word in SEEDED if word in text])
