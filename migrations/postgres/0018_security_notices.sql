-- Security notices ("your account was linked to …; not you?") reach the inbox beside the
-- school's news: the notifications table takes a fifth kind.
ALTER TABLE notifications DROP CONSTRAINT notifications_event_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_event_check
    CHECK (event IN ('score', 'grade', 'attendance', 'message', 'security'));
