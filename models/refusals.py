"""Why a counter's call or action on a ticket was refused: each refusal a QueueError with its
code and its message in Thai and English (the API answers its status and code, the console
shows the message)."""

from __future__ import annotations

from models.queue import ACTIVE, TicketStatus
from models.tickets import QueueError


class UnknownCounter(QueueError):
    status = 404

    def __init__(self, counter_id: int):
        super().__init__("unknown_counter", f"ไม่พบช่องบริการหมายเลข {counter_id}",
                         f"No counter with id {counter_id}")


def check_counter(counter, counter_office_id: int | None, counter_id: int,
                  office_id: int) -> None:
    """The counter (a COUNTER_STATE row, or None) may call next, else a QueueError."""
    if counter is None or counter_office_id != office_id or not counter.active:
        raise UnknownCounter(counter_id)
    if counter.paused:
        raise QueueError("counter_paused", "ช่องบริการนี้พักการเรียกคิวอยู่",
                         "This counter is paused")
    if counter.busy_with is not None:
        raise counter_busy()


def counter_busy() -> QueueError:
    return QueueError("counter_busy", "กรุณาจบงานของคิวปัจจุบันก่อนเรียกคิวถัดไป",
                      "Finish the current ticket before calling the next one")


class UnknownTicket(QueueError):
    status = 404

    def __init__(self):
        super().__init__("unknown_ticket", "ไม่พบบัตรคิวนี้", "No such ticket")


# Each action's name in the refusals, Thai and English.
NAMES = {"recall": ("เรียกซ้ำ", "recall"), "start": ("เริ่มให้บริการ", "start serving"),
         "no-show": ("บันทึกว่าไม่มาตามเรียก", "mark no-show"), "finish": ("จบงาน", "finish"),
         "transfer": ("โอนคิว", "transfer")}


def refused(status: TicketStatus | None, verb: str) -> QueueError:
    """The action is not for a ticket in this state (None: another action changed the
    ticket at the same moment, and this one found it changed)."""
    action_th, action_en = NAMES[verb]
    if status is None:
        return QueueError("invalid_transition",
                          f"ไม่สามารถ{action_th}ได้ เพราะคิวนี้เพิ่งถูกเปลี่ยนสถานะพร้อมกัน "
                          "กรุณาโหลดข้อมูลใหม่",
                          f"Cannot {action_en}: another action changed the ticket at the same "
                          "moment; reload it")
    return QueueError("invalid_transition",
                      f"ไม่สามารถ{action_th}ได้ เพราะคิวนี้{STATES_TH[status]}",
                      f"Cannot {action_en} a ticket that is {status.value}")


# "Because this ticket ..." in Thai, by status (the English says the status's own name).
STATES_TH = {TicketStatus.WAITING: "ยังรอเรียกอยู่", TicketStatus.CALLED: "ถูกเรียกแล้ว",
             TicketStatus.SERVING: "กำลังให้บริการอยู่", TicketStatus.FINISHED: "ให้บริการเสร็จแล้ว",
             TicketStatus.NO_SHOW: "ถูกบันทึกว่าไม่มาตามเรียกแล้ว"}


class NotAtCounter(QueueError):
    def __init__(self):
        super().__init__("not_at_counter", "คิวนี้ไม่ได้อยู่ที่ช่องบริการนี้แล้ว",
                         "That ticket is not at this counter now")


def away(at_counter: int | None, counter_id: int | None, status: TicketStatus | None) -> bool:
    """Whether a ticket found at counter_id in status is not at the counter at_counter now
    (never, without one)."""
    return at_counter is not None and (counter_id != at_counter or status not in ACTIVE)
