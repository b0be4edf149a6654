"""English for booking's pages (the Chinese text is the key)."""

ENGLISH = {
    "预约台": "Console", "号源": "Slots", "科室": "Department", "日期": "Date", "天数": "Days",
    "当天": "One day", "一周": "A week", "预约": "Booking",
    "先在左侧选择一个有余号的时段，系统会为您保留。":
        "Pick a slot with free places; it is held for you while you take the details.",
    "已为您保留，剩余": "Held for you for", "放弃保留": "Release", "患者姓名": "Patient's name",
    "手机号": "Mobile", "邮箱（可选）": "Email (optional)",
    "患者同意接收短信通知": "The patient agrees to SMS messages",
    "患者同意接收邮件通知": "The patient agrees to email messages", "渠道": "Channel",
    "患者同意就诊后接听满意度回访电话":
        "The patient agrees to a satisfaction call after the visit",
    "在线咨询": "Online chat", "电话": "Phone", "微信": "WeChat", "其他": "Other",
    "主诉": "Complaint", "爽约较多，预约原因（必填）": "Frequent no-shows: reason (required)",
    "确认预约": "Book", "预约成功": "Booked", "发给患者的确认信息": "Confirmation for the patient",
    "复制": "Copy", "继续预约": "Book another", "今日名单": "Roster", "就诊名单": "Roster",
    "全部": "All",
    "查找（预约码、姓名、手机号或后四位）": "Find (code, name, phone or its last four digits)",
    "导出 CSV": "Export CSV", "打印": "Print", "现场挂号": "Walk-in", "时段": "Slot",
    "加号原因（满号时必填）": "Reason to add beyond capacity (when full)",
    "挂号并报到": "Register and check in", "统计": "Statistics", "从": "From", "到": "To",
    "按": "By", "专家": "Expert", "咨询员": "Consultant", "查看": "Show", "分组": "Group",
    "取消": "Cancelled", "到诊": "Arrived", "爽约": "No-show", "到诊率": "Arrival rate",
    "这个号码的患者：": "Patients with this number:",
    "患者没有预约？记录咨询": "Did not book? Record the enquiry",
    "满意度回访": "Satisfaction call-backs",
    "就诊次日回访同意回访的患者，三个问题各 1–5 分。":
        "Patients who agreed are called the day after their visit: three questions, 1–5.",
    "平均分后是回答人数 n；少于 5 人的一行标为“样本少”，不宜比较。":
        "Each average is followed by the number who answered (n); a row of fewer than five "
        "is marked “small sample” and is no basis for comparison.",
    "查统一回答口径（费用、医保、路线……）": "Shared answers (fees, insurance, route …)",
    "患者有投诉？记录投诉": "A complaint? Record it",
    "查找预约": "Find an appointment", "手机号、姓名或预约码": "Phone, name or code",
    "查找": "Find", "改约": "Move", "重发确认": "Send the confirmation again",
    "取消预约": "Cancel", "取消原因": "Why", "患者要求": "The patient asked",
    "医院原因": "The hospital", "说明（可选）": "Note (optional)", "确认取消": "Cancel it",
    "退出改约": "Stop moving", "未来两周": "The next two weeks", "候补": "Waitlist",
    "有人取消时，系统按顺序自动为第一位候补患者预约并通知。":
        "When a place frees, the first waiting patient is booked and told at once.",
    "加入候补": "Add to the waitlist", "关闭": "Close",
    "预约数": "Booked", "日期口径": "Days are", "就诊日期": "visit dates",
    "预约操作日期": "days booked",
    "号源利用率": "Utilisation", "每日趋势": "By day", "咨询转化": "Enquiries to visits",
    "号源利用率 = 预约 ÷ 放出的号（专家、科室，按就诊日期）。":
        "Utilisation = booked ÷ places offered (experts and departments, by visit date).",
    "医生停诊": "The expert is unavailable",
    "医院原因和医生停诊会给患者推荐其他时段，并转回访台跟进。":
        "The hospital's reasons offer the patient other places and reach the follow-up desk.",
    "预约不含已取消；可约余号只算尚未结束的时段。":
        "Booked leaves out cancellations; places free counts only slots not yet over.",
    "预约 = 未取消的预约（含已到、爽约），与就诊名单相同；取消另计。":
        "Booked = appointments not cancelled (arrived and no-shows included), as on the "
        "roster; cancellations are counted apart.",
    "保留已过期，名额已释放。": "The hold expired and the place was released.",
    "重新保留这个时段": "Hold this slot again", "延长保留": "Keep it longer",
    "患者在现场：挂今天尚未结束的时段，并同时报到。":
        "The patient is here: today's slots not yet over; checked in at once.",
    "到诊率 = 到诊 ÷（到诊 + 爽约）；按就诊日期统计。":
        "Arrival rate = arrived ÷ (arrived + no-show), by visit date.",
    "患者通过短信链接取消": "Cancelled by the patient through their link",
}

#: Notes booking writes itself (not typed by staff), stored as written, and the Chinese
#: key (above) the pages show for them: translated at display, the data unchanged.
STORED_NOTES = {"cancelled through the patient link": "患者通过短信链接取消"}


def shown_notes(language: str) -> dict[str, str]:
    """Each stored note as a page in ``language`` shows it."""
    return {stored: key if language == "zh-CN" else ENGLISH.get(key, stored)
            for stored, key in STORED_NOTES.items()}

#: English for the patient's pages (``/p/{token}``), for phones from abroad or ``?lang=en``.
PATIENT_ENGLISH = {
    "我的预约": "My appointment", "预约信息": "appointment", "状态": "Status",
    "就诊人": "Patient", "科室": "Department", "医生": "Doctor", "时间": "Time",
    "就诊序号": "Queue number", "预约码": "Code", "地址": "Address", "路线": "Getting there",
    "医院电话": "Hospital phone", "已预约": "Booked", "已报到": "Checked in",
    "已就诊": "Seen", "已取消": "Cancelled", "未到诊": "Missed",
    "停诊": "Cancelled by the hospital",
    "医院停诊": "The hospital had to cancel", "专家停诊": "The doctor is not available",
    "很抱歉，您的这次预约已取消。": "We are sorry: this appointment is cancelled.",
    "您的预约已取消。": "Your appointment is cancelled.",
    "已为您改约，新的时间见下方。短信会再通知您一次。":
        "Your appointment has moved; the new time is below. You will also get an SMS.",
    "改约到其他时间": "Move to another time", "您可以改约到：": "You can book one of these:",
    "余": "left", "取消预约": "Cancel the appointment",
    "可在此时间前在线取消或改约：": "You can cancel or move it online until",
    "已超过在线取消时间，如需取消请致电医院：":
        "It is too late to cancel online; to cancel, call the hospital:",
    "确定取消这次预约吗？": "Cancel this appointment?",
    "取消后这个号会让给其他患者，不能恢复。":
        "Once cancelled, the place goes to another patient and cannot be restored.",
    "确认取消": "Yes, cancel it", "不取消，返回": "No, go back",
    "链接无效": "Link not valid", "这个链接无效或已过期": "This link is not valid or has expired",
    "请检查短信中的链接是否完整。就诊后一天链接会失效。":
        "Check that the whole link from the SMS was opened. A link expires a day after the "
        "visit.",
    "已超过在线取消或改约的时间，如需更改请致电医院。":
        "It is too late to change this online; please call the hospital.",
    "这次预约已不能在线更改。": "This appointment can no longer be changed online.",
    "这个时间刚刚约满了，请选择其他时间。": "That time has just filled up; please pick another.",
    "这个时间不在可改约的范围内，请从下方选择。":
        "That time is not one of those offered; please pick one below.",
    "您当天已预约了这位医生。": "You already have an appointment with this doctor that day.",
    "这个时间已停止预约，请选择其他时间。":
        "Booking for that time has closed; please pick another.",
    "这个时间还未放号，请选择其他时间。": "That time is not open yet; please pick another.",
    "您已经预约在这个时间。": "Your appointment is already at that time.",
    "这个时间已停诊，请选择其他时间。":
        "The hospital cancelled that time; please pick another.",
    "没有成功，请刷新页面后再试。": "That did not work; please reload the page and try again.",
    "这个时间离现在太近，改约后将不能在线取消，请选择其他时间。":
        "That time is too soon: once moved there, you could no longer cancel online. "
        "Please pick a later time.",
    "选择后会先请您确认。": "You will be asked to confirm first.",
    "确认改约": "Move my appointment", "确认预约": "Book this time",
    "确定改约到这个时间吗？": "Move your appointment to this time?",
    "确定预约这个时间吗？": "Book this time instead?",
    "新的时间": "New time", "原来的时间": "Booked now for", "已停诊的时间": "Cancelled visit",
    "改约后原来的号会让给其他患者。": "Your current place will go to another patient.",
    "改约后仍可在此时间前在线取消：": "Once moved, you can still cancel online until",
    "不改约，返回": "No, go back", "返回": "Go back",
    "医院取消了这次预约": "The hospital cancelled this appointment",
    "原因": "Reason",
    "您已有新的预约": "You already have a new appointment",
    "新的预约另有短信通知，请用那条短信里的链接查看、取消或改约。这个旧链接不再提供可预约的时间。":
        "Your new appointment has its own SMS: use the link in that message to see, cancel "
        "or move it. This old link no longer offers times to book.",
    "预约后，在此时间前仍可在线取消：": "Once booked, you can still cancel online until",
    "已取消的时间": "Cancelled visit",
    "您已有新的预约，这个旧链接不能再预约。新的预约见下方。":
        "You already have a new appointment, so this old link cannot book another. "
        "It is shown below.",
}
