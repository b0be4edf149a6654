"""English for followup's pages (the Chinese text is the key)."""

ENGLISH = {
    "回访": "Follow-up", "回访工作台": "Follow-up worklist",
    "只在呼叫时间内拨打：": "Call only within calling hours:",
    "未接通最多拨打": "At most",
    "次，每次至少间隔": "unanswered calls, at least", "小时": "hours apart",
    "患者要求不再来电，请点“勿再来电”。":
        "If the patient asks not to be called, press “Do not call”.",
    "待回访": "To call", "类型": "Kind", "全部": "All", "停诊通知": "Hospital cancelled",
    "爽约回访": "No-show", "咨询回访": "Enquiry", "记录咨询": "Record an enquiry",
    "现在可拨": "Due now", "已超时": "Overdue", "稍后": "Later", "回访卡": "Call card",
    "在列表中领取一个任务：15 分钟内只有您会拨打这位患者。":
        "Claim a task from the list: for 15 minutes only you call this person.",
    "任务已结束，这些是当时提供的时段，不再从这里预约。":
        "The task is closed: these are the places offered then, not to be booked from here.",
    "领取剩余": "Claim left", "发生了什么": "What happened", "可告知患者": "Facts to tell",
    "可改约的时段": "Slots to offer instead", "在预约台为患者预约": "Book them in the console",
    "拨打记录": "Calls so far", "备注（可选）": "Note (optional)", "通话结果": "How the call ended",
    "无人接听": "No answer", "占线": "Busy", "关机": "Switched off", "号码错误": "Wrong number",
    "不需要": "Declined", "勿再来电": "Do not call", "约定回电时间": "Call back at",
    "约定回电": "Call back", "新预约码": "New appointment code", "已预约": "Booked",
    "约成": "Booked on the call",
    "收起": "Put away",
    "患者的顾虑（选“不需要”时必填）": "What they said (needed with “Declined”)",
    "请选择": "Choose", "用事实回答，不劝说：": "Answer with facts, not persuasion:",
    "转交同事或放回列表": "Hand to a colleague or back to the list", "转交给": "Hand to",
    "转交备注（必填：下一位需要知道的情况）": "Note (needed: what the next caller should know)",
    "转交": "Hand over", "放回列表": "Back to the list", "转交记录": "Hand-overs",
    "开场白": "Greeting", "结束前复述": "Say back before you hang up",
    "约成后，向患者复述日期、时间、地点和预约码，请对方确认。":
        "Once booked, say back the date, time, place and code, and ask them to confirm.",
    "统一回答口径": "Shared answers",
    "医院对常见问题的统一回答：一键复制到对话中。网上不做诊断、不开药。":
        "The hospital's answers to common questions: one click copies one into the chat. "
        "No diagnosis and no medication online.",
    "回答": "Answer", "搜索回答": "Search the answers", "主题": "Topic",
    "新增或修改回答": "Add or change an answer", "问题": "Question",
    "保存（记为今天复核）": "Save (reviewed today)", "新建": "New", "停用": "Retire",
    "投诉处理": "Complaints", "患者有投诉？记录投诉": "A complaint? Record it",
    "记录患者不满意的事、涉及的科室或专家（从列表选择）和患者的诉求；负责人在截止日前处理，并回电告知患者。":
        "Record what the patient is unhappy about, the department or expert it concerns "
        "(chosen from the list) and what they want; the owner deals with it by the due day "
        "and calls the patient back to tell them.",
    "投诉": "Complaints", "查看": "Show", "处理中": "Open", "已超期": "Overdue",
    "已结案": "Closed", "涉及": "About", "患者": "Patient", "负责人": "Owner", "截止": "Due",
    "按科室（近 90 天）": "By department (last 90 days)", "科室": "Department",
    "用时中位数（小时）": "Median hours taken", "投诉详情": "Complaint",
    "处理结果": "Resolution", "记录处理结果": "Record the resolution",
    "回电告知后患者的反馈": "What the patient said when called back",
    "已回电，结案": "Called back: close", "记录投诉": "Record a complaint", "来源": "From",
    "前台": "Front desk", "患者姓名": "Patient's name", "涉及科室": "Department concerned",
    "涉及专家（可选）": "Expert concerned (optional)", "不针对某位专家": "No one expert",
    "患者不满意什么": "What they are unhappy about", "患者希望怎样处理": "What they want",
    "负责人（默认是您）": "Owner (you unless you choose)", "我": "Me",
    "截止日期（默认 3 天后）": "Due (3 days unless you choose)",
    "截止日期": "Due on", "更改负责人或截止日期": "Change the owner or the due day",
    "开始通话": "Start the call", "通话中": "On the call", "通话中断": "Call dropped",
    "通话中断：可以立即重拨一次；重拨未接通才算一次未接通。":
        "The call dropped: you may redial once, now; only an unanswered redial counts as an "
        "unanswered call.",
    "今天记录的咨询": "Enquiries recorded today", "时间": "Time", "姓名": "Name",
    "手机号": "Phone", "渠道": "Channel", "可回电": "May call", "状态": "Status",
    "同一姓名和手机号预约后，咨询会自动变为“已预约”。":
        "When the same name and phone are booked, the enquiry turns “Booked” by itself.",
    "未预约的咨询": "Asked but did not book", "科室（可选）": "Department (optional)",
    "咨询内容": "Asked about", "患者同意我们回电（不同意就不会回访）":
        "They agree to be called back (without it nobody calls)",
    "保存": "Save", "回到预约台": "Back to the console",
    "在线咨询": "Online chat", "电话": "Phone", "微信": "WeChat", "QQ": "QQ",
    "到院": "Walk-in", "其他": "Other",
    "满意度回访：三个问题，各 1–5 分（5 分最满意）":
        "Satisfaction call: three questions, each 1–5 (5 the most satisfied)",
    "专家讲解是否清楚": "Did the expert explain clearly?",
    "候诊时间是否可以接受": "Was the waiting time acceptable?",
    "这次就诊总体是否满意": "Overall, how was the visit?",
    "满意度回访": "Satisfaction call", "已回答": "Answered", "不愿回答": "Declined to answer",
}
