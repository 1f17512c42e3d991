-- Per input path, what the latest completed run that read it recorded: [size, mtime_ns, ctime_ns],
-- sha256 and the run's start (epoch ns). Parameters: the inputs and runs file patterns, the run ids.
SELECT i.path, arg_max([i.size, i.mtime_ns, i.ctime_ns], i.run_id), arg_max(i.sha256, i.run_id),
       arg_max(epoch_ns(r.started_at), i.run_id)
FROM read_parquet(?, union_by_name = true, hive_partitioning = false) i
JOIN read_parquet(?, union_by_name = true, hive_partitioning = false) r USING (run_id)
WHERE i.run_id IN (SELECT unnest(?::VARCHAR[]))
GROUP BY i.path
