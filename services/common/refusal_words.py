"""The pages' words for the codes the API answers with: refusals and access-log actions.

One source: every service renders these into its pages (``base.html``, a JSON block
that ``static/common/problems.js`` reads), so a Chinese page never shows the English
``detail`` of a refusal it can name by its ``code``. The services keep raising their
English messages (the API's clients read those); the English here is for a refusal
whose detail did not come through. ``tests/test_refusal_words.py`` walks the services
for every code they raise and fails on one missing here.

A code means one thing everywhere unless a service gives it its own sense
(``BY_SERVICE``: follow-up's ``closed`` is a closed task, booking's a closed slot).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple


class Words(NamedTuple):
    zh: str
    en: str


#: Refusal code → its words, for codes that mean the same in every service.
REFUSALS: dict[str, Words] = {
    # booking: holds, booking, changes, the day
    "slot_full": Words("这个时段已约满", "This slot is full."),
    "duplicate": Words("该患者当天已预约这位专家",
                       "The patient already has an appointment with this expert on this day."),
    "patient_exists": Words("已有患者使用这个手机号和姓名，请按其 ID 预约",
                            "Another patient already has this phone number and name; "
                            "book them by their id."),
    "closed": Words("这个时段已停止预约", "Booking for this slot has closed."),
    "not_released": Words("这个时段还没有放号", "This slot is not open for booking yet."),
    "hold_expired": Words("保留已过期", "The hold has expired; hold the slot again."),
    "hold_mismatch": Words("保留的不是这个时段", "The hold is for another slot."),
    "extend_limit": Words("不能再延长了", "This hold cannot be kept any longer."),
    "too_many_holds": Words("保留的号已达上限，请先预约或放弃其中一个",
                            "You hold as many places as allowed; book or release one first."),
    "slot_required": Words("请先选择时段", "Choose a slot first."),
    "slot_cancelled": Words("这个时段已停诊", "This slot was cancelled by the hospital."),
    "slot_over": Words("这个时段已经结束", "This slot is over; choose one that has not ended."),
    "wrong_status": Words("这个预约的状态已经变了，请刷新",
                          "This appointment's status has changed; refresh the page."),
    "too_soon": Words("这个时段开始得太早：改约后患者将无法在线取消",
                      "This place starts too soon: once moved there, the patient could no "
                      "longer cancel online."),
    "not_offered": Words("这个时段不在可改约的范围内", "This place is not one of those offered."),
    "same_slot": Words("预约已经在这个时段", "The appointment is already in this slot."),
    "resent_recently": Words("刚刚已重发过，请稍后再试",
                             "The confirmation was sent again a moment ago."),
    "not_today": Words("只能在就诊当天办理", "This is done on the day of the visit only."),
    "too_early": Words("就诊还没有开始", "The visit has not started yet."),
    "too_late": Words("已超过可以办理的时间", "It is too late for this."),
    "visit_started": Words("就诊已经开始", "The visit has started; mark a no-show instead."),
    "reason_required": Words("请写明原因", "Say why."),
    "no_show_override_required": Words("该患者近期多次爽约，预约需填写原因",
                                       "The patient missed several recent visits; booking "
                                       "needs an override reason."),
    "conflict": Words("刚被别人改过，请刷新后再试",
                      "It changed at the same moment; look again and retry."),
    # booking: patients and privacy
    "phone_search_not_allowed": Words("您的角色不能按手机号查找，请按姓名、预约码或患者 ID 查找",
                                      "Your role cannot search by phone; find the patient "
                                      "by name, appointment code or id."),
    "phone_fragment": Words("请输入完整手机号或其后四位",
                            "Give the whole phone number or exactly its last four digits."),
    "patient_erased": Words("该患者的个人数据已删除，不能再为其预约",
                            "This patient's data was erased; they cannot be booked."),
    # booking: the waiting list
    "has_room": Words("还有空号，请直接预约", "There are free places that day: book one instead."),
    "already_waiting": Words("已在候补名单上", "The patient is already on this list."),
    "not_waiting": Words("这条候补已不在等候中", "This entry is no longer waiting."),
    # booking: the FHIR interface's searches
    "unknown_parameter": Words("不支持这个查询参数", "This search does not take that parameter."),
    "bad_parameter": Words("查询参数的值有误", "A search parameter's value cannot be read."),
    "range_too_wide": Words("一次最多查询 31 天的时段", "Search slots over at most 31 days."),
    "identifier_required": Words("请按标识查找患者", "Search patients by identifier."),
    # schedule
    "last_admin": Words("这是最后一位在用的系统管理员，不能取消",
                        "This is the last active administrator."),
    "session_over": Words("这个时段已经过去（按医院时间），不能再加诊",
                          "This session is already over (hospital time)."),
    # followup: the worklist and the do-not-call list
    "not_found": Words("找不到这一项", "Not found."),
    "claimed": Words("另一位咨询员正在拨打这位患者", "Someone else is calling this person now."),
    "not_due": Words("还没到拨打时间", "This call is not due yet."),
    "outside_calling_hours": Words("现在不在可拨打的时间内",
                                   "Patients are not called at this hour."),
    "not_claimed": Words("请先领取任务再拨打", "Claim the task before calling."),
    "appointment_code_required": Words("请填写新预约的预约码", "Give the new appointment's code."),
    "unknown_appointment": Words("这个预约码不是该患者在任务开启后的预约",
                                 "That code is not an appointment this patient made after the "
                                 "task opened."),
    "call_back_at_required": Words("请填写回拨时间", "Say when to call back."),
    "call_back_in_the_past": Words("回拨时间已经过去", "The call-back time has passed."),
    "not_on_the_list": Words("勿再来电名单上没有这一项", "No such entry on the do-not-call list."),
    "objection_required": Words("请选择患者的顾虑", "Say what the person said: the objection."),
    "unknown_objection": Words("这不是医院列出的顾虑", "This is not one of the hospital's "
                               "objections."),
    "objection_only_on_declined": Words("只有“不需要”时才记录顾虑",
                                        "An objection is recorded with a declined call only."),
    "objection_note_required": Words("选“其他”时请在备注里写明患者说了什么",
                                     "Say in the note what the person said."),
    "outcome_not_for_satisfaction": Words("满意度回访只记录“已回答”“拒绝回访”或未接通，不记录预约",
                                          "A satisfaction call is answered, refused or not "
                                          "reached; it books nothing."),
    "outcome_only_for_satisfaction": Words("只有满意度回访才记录“已回答”或“拒绝回访”",
                                           "Only a satisfaction call is answered or refused."),
    "scores_required": Words("请为三个问题都打分（1–5 分）", "Score all three questions (1–5)."),
    "score_out_of_range": Words("分数是 1 到 5 的整数", "A score is a whole number from 1 to 5."),
    "scores_only_when_answered": Words("只有“已回答”时才记录分数",
                                       "Scores go with an answered satisfaction call only."),
    "handover_note_required": Words("转交或放回时请写备注，让下一位知道情况",
                                    "Say in a note what the next caller should know."),
    "hand_to_self": Words("这个任务已经在您手里", "You hold this task already."),
    "unknown_colleague": Words("请转交给回访组的同事", "Hand the task to a colleague of the "
                               "follow-up desk."),
    "unknown_topic": Words("请选择一个主题", "This is not one of the shared answers' topics."),
    "question_required": Words("请填写问题", "Give the question this answers."),
    "answer_required": Words("请填写回答", "Give the answer."),
    "unknown_source": Words("投诉来源应为电话、在线咨询或前台",
                            "A complaint comes from a call, a chat or the desk."),
    "what_required": Words("请写明患者不满意什么", "Say what the patient is unhappy about."),
    "wish_required": Words("请写明患者希望怎样处理", "Say what the patient wants."),
    "unknown_department": Words("请从列表中选择科室", "Choose the department from the list."),
    "unknown_expert": Words("请从该科室的专家列表中选择", "Choose the expert from the "
                            "department's list."),
    "patient_required": Words("请填写患者姓名和手机号", "Give the patient's name and phone."),
    "due_in_the_past": Words("截止日期已经过去", "The due day has passed."),
    "not_open": Words("这条投诉已不在处理中", "This complaint is not open."),
    "resolution_required": Words("请写明医院的处理结果", "Say what the hospital did."),
    "not_resolved": Words("请先记录处理结果，再做回访", "Record the resolution before the "
                          "closing call."),
    "closing_note_required": Words("请写明回访时患者的反馈", "Say what the patient said on the "
                                   "closing call."),
    "not_owner": Words("只有负责人或经理可以处理", "Only the complaint's owner or a manager "
                       "does this."),
    "bad_range": Words("结束日期早于开始日期", "The last day comes before the first."),
    "own_work_only": Words("咨询员只能查看自己的工作（按咨询员）",
                           "A consultant reads their own work only (by consultant)."),
    # every service
    "bad_input": Words("填写的内容有误", "The request has invalid fields."),
    "database_unavailable": Words("数据库暂时不可用，请再试一次",
                                  "The database was briefly unavailable; please try again."),
}

#: Codes a service uses in a sense of its own (before ``REFUSALS`` on its pages).
BY_SERVICE: dict[str, dict[str, Words]] = {
    "followup": {
        "closed": Words("这个任务已结束", "This task is closed."),
        "not_found": Words("找不到这个任务", "No such task."),
    },
}

#: What staff did with a patient's data (the access log's ``action``, stored as the code).
ACCESS_ACTIONS: dict[str, Words] = {
    "view_patient": Words("查看患者", "viewed patient"),
    "view_appointment": Words("查看预约", "viewed appointment"),
    "book": Words("预约", "booked"),
    "create_patient": Words("新建患者", "created patient"),
    "update_patient": Words("修改患者", "changed patient"),
    "export": Words("导出", "exported"),
    "erase": Words("删除", "erased"),
    "call_card": Words("查看回访卡", "opened call card"),
    "complaint_card": Words("查看投诉", "opened complaint"),
    "search_phone": Words("按手机号查找", "searched by phone"),
    "fhir": Words("通过 FHIR 接口读取", "read through FHIR"),
}

#: Words in an access-log ``detail`` that services store as fixed English or as codes:
#: whole details, the patient fields an update names, the kinds of follow-up task.
ACCESS_DETAILS: dict[str, Words] = {
    "followup export": Words("回访服务的数据导出", "follow-up export"),
    "notify export": Words("通知服务的数据导出", "notify export"),
    "full number": Words("完整号码", "full number"),
    "last four": Words("后四位", "last four digits"),
    "full number, nobody found": Words("完整号码，未找到患者", "full number, nobody found"),
    "last four, nobody found": Words("后四位，未找到患者", "last four digits, nobody found"),
    "task": Words("回访任务", "task"),
    "name": Words("姓名", "name"), "phone": Words("手机号", "phone"),
    "email": Words("邮箱", "email"), "sms_consent": Words("短信同意", "SMS consent"),
    "email_consent": Words("邮件同意", "email consent"), "id_number": Words("证件号", "ID number"),
    "birth_date": Words("出生日期", "date of birth"), "sex": Words("性别", "sex"),
    "guardian_name": Words("监护人", "guardian"),
    "enquiry": Words("咨询回访", "enquiry"), "no_show": Words("爽约回访", "no-show"),
    "hospital_cancelled": Words("停诊通知", "hospital cancelled"),
    "Patient read": Words("读取患者", "Patient read"),
    "Patient search": Words("查找患者", "Patient search"),
}

#: The service that kept an access-log record (its ``service``, stored as the name).
ACCESS_SERVICES: dict[str, Words] = {
    "booking": Words("预约服务", "booking"), "notify": Words("通知服务", "notify"),
    "followup": Words("回访服务", "follow-up"),
}


def _in(language: str, words: Mapping[str, Words]) -> dict[str, str]:
    return {code: (said.en if language == "en" else said.zh) for code, said in words.items()}


def refusal_words(service: str, language: str) -> dict[str, str]:
    """The text of each refusal code on ``service``'s pages, in ``language``."""
    return _in(language, {**REFUSALS, **BY_SERVICE.get(service, {})})


def page_words(service: str, language: str) -> dict[str, dict[str, str]]:
    """Everything a page gets: refusals by code, access-log actions, services and detail
    words."""
    return {"refusals": refusal_words(service, language),
            "access_actions": _in(language, ACCESS_ACTIONS),
            "access_services": _in(language, ACCESS_SERVICES),
            "access_details": _in(language, ACCESS_DETAILS)}
