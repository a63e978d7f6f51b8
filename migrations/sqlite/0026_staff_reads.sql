-- Staff reads of students' records, counted per staff account and minute, so that a sliding
-- hour can be summed; past the district's allowance further reads are refused.
ALTER TABLE districts ADD COLUMN staff_reads_per_hour INTEGER NOT NULL DEFAULT 300;

CREATE TABLE staff_reads (
    district_id INTEGER NOT NULL,
    account_id INTEGER NOT NULL,
    minute INTEGER NOT NULL,
    reads INTEGER NOT NULL,
    PRIMARY KEY (district_id, account_id, minute),
    FOREIGN KEY (district_id, account_id) REFERENCES accounts (district_id, id)
) WITHOUT ROWID;
