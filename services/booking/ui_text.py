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
    "在线咨询": "Online chat", "电话": "Phone", "微信": "WeChat", "其他": "Other",
    "主诉": "Complaint", "爽约较多，预约原因（必填）": "Frequent no-shows: reason (required)",
    "确认预约": "Book", "预约成功": "Booked", "发给患者的确认信息": "Confirmation for the patient",
    "复制": "Copy", "继续预约": "Book another", "今日名单": "Roster", "就诊名单": "Roster",
    "全部": "All", "查找（预约码、姓名、手机后四位）": "Find (code, name, last four digits)",
    "导出 CSV": "Export CSV", "打印": "Print", "现场挂号": "Walk-in", "时段": "Slot",
    "加号原因（满号时必填）": "Reason to add beyond capacity (when full)",
    "挂号并报到": "Register and check in", "统计": "Statistics", "从": "From", "到": "To",
    "按": "By", "专家": "Expert", "咨询员": "Consultant", "查看": "Show", "分组": "Group",
    "取消": "Cancelled", "到诊": "Arrived", "爽约": "No-show", "到诊率": "Arrival rate",
    "到诊率 = 到诊 ÷（到诊 + 爽约）；按就诊日期统计。":
        "Arrival rate = arrived ÷ (arrived + no-show), by visit date.",
}
