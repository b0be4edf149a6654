"""English for schedule's pages (the Chinese text is the key)."""

ENGLISH = {
    "登录": "Sign in", "员工登录": "Staff sign-in", "用户名": "User name", "密码": "Password",
    "用户名或密码错误。": "Wrong user name or password.",
    "页面已过期，请重新登录。": "The page had expired; please sign in again.",
    "演示账号：admin、consultant、frontdesk、manager，密码均为 demo。":
        "Demo accounts: admin, consultant, frontdesk, manager; the password is demo.",
    "排班管理": "Scheduling", "专家一周出诊": "An expert's week", "专家": "Expert",
    "周一日期": "Week of (Monday)", "上一周": "Previous week", "下一周": "Next week",
    "发布未来排班": "Publish ahead", "每周模板": "Weekly templates", "星期": "Weekday",
    "时间": "Time", "每号时长": "Slot length", "每号人数": "Patients per slot",
    "有效期": "Valid", "周一": "Monday", "周二": "Tuesday", "周三": "Wednesday",
    "周四": "Thursday", "周五": "Friday", "周六": "Saturday", "周日": "Sunday",
    "开始": "Start", "结束": "End", "每号时长（分钟）": "Slot length (minutes)",
    "生效日期": "Valid from", "截止日期": "Valid until", "添加模板": "Add template",
    "停诊与加诊": "Leave and extra sessions", "日期": "Date",
    "开始（整天留空）": "Start (empty: whole day)", "原因": "Reason",
    "登记停诊": "Record leave", "停诊": "Leave (停诊)", "加诊": "Extra session",
    "停诊日期": "Date of leave", "停诊开始（整天留空）": "Leave from (empty: whole day)",
    "停诊结束": "Leave until", "停诊原因": "Reason for the leave",
    "加诊日期": "Date of the session",
    "加诊开始": "Session start", "加诊结束": "Session end", "加诊原因": "Reason for the session",
    "本周": "This week", "查看影响": "Show who is affected", "时段": "Slot",
    "能否收到短信": "Can get an SMS", "确认停诊": "Confirm the leave",
    "返回修改": "Back", "添加加诊": "Add extra session", "医院信息": "Hospital",
    "名称": "Name", "地址": "Address", "交通指引": "Directions", "电话": "Phone",
    "时区": "Time zone", "语言": "Language", "保存": "Save",
    "改角色、重设密码或停用后，该员工已登录的会话立即失效。":
        "New roles, a new password or deactivation sign the member out at once.",
    "全部账号": "Accounts", "角色": "Roles", "状态": "Status",
    "新建账号": "New account", "初始密码": "First password", "创建": "Create",
    "咨询员": "Consultant", "前台": "Front desk", "主管": "Manager", "系统管理员": "Administrator",
    "对接系统": "Hospital system",
    "对接系统的账号只用于 FHIR 接口，不能登录页面。":
        "A hospital system's account is for the FHIR interface only; it cannot sign in here.",
    "科室": "Department", "科室管理": "Departments", "留空自动生成": "Left empty: made for you",
    "代码": "Code", "位置": "Location", "添加科室": "Add department", "姓名": "Name",
    "职称": "Title", "挂号费": "Fee", "简介": "Bio", "擅长": "Specialty", "添加专家": "Add expert",
    # the patient-data page
    "患者数据": "Patient data", "查找患者": "Find a patient", "手机号": "Mobile",
    "查找": "Find", "患者": "Patient", "导出全部数据": "Export all their data",
    "删除原因（如：本人来函）": "Why (e.g. the patient's letter)",
    "删除该患者的个人数据": "Erase this patient's personal data", "访问日志": "Access log",
    "预约码": "Appointment code",
    "按姓名、预约码或患者 ID 查找；管理员不能按手机号查找。":
        "Find by name, appointment code or patient id; admins cannot search by phone.",
    "患者 ID": "Patient id", "员工": "Staff", "从": "From", "到": "To", "查看": "Show",
    "操作": "Action", "服务": "Service", "说明": "Detail",
    "应患者本人要求导出或删除其数据（个人信息保护法）；每次查看、导出和删除都记录在访问日志中。":
        "Export or erase a patient's data at their request (PIPL); every view, export and "
        "erasure is written to the access log.",
}
