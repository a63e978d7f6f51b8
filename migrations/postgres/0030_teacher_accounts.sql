-- Teachers get accounts of their own (the Teacher portal).
ALTER TABLE accounts DROP CONSTRAINT accounts_kind_check;
ALTER TABLE accounts ADD CONSTRAINT accounts_kind_check
    CHECK (kind IN ('parent', 'student', 'staff', 'teacher'));
-- A class on a schedule now names its teachers with their ids: snapshots made before hold
-- names alone, and are made again on their next read.
DELETE FROM student_snapshots;
