-- One database per service (SPEC §2): no service reads another's tables.
CREATE DATABASE schedule;
CREATE DATABASE booking;
CREATE DATABASE notify;
CREATE DATABASE followup;
