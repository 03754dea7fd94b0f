"""Background jobs of the service desk."""

from assura.core.jobs import job_handler


@job_handler("service.triage_train")
def triage_train(job, reporter) -> None:
    from assura.service.triage import train

    job.result = train(organization_id=job.organization_id)
