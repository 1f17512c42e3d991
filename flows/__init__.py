"""The orchestration of the stages: the DAG, the Prefect flow, deployments (installed as akhbar.flows)."""
