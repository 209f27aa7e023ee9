-- Run once by the postgres image's entrypoint on an empty data volume
-- (mounted at /docker-entrypoint-initdb.d). One database per service.
CREATE DATABASE registry;
CREATE DATABASE funding;
CREATE DATABASE reporting;
CREATE DATABASE notification;
