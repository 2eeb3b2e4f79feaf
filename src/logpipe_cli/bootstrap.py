"""``logpipe bootstrap``: configure an OpenSearch endpoint the way the CloudFormation custom resource does.

Runs the very same steps (:mod:`logpipe.opensearch.bootstrap`) against any URL: an Amazon OpenSearch
Service domain (SigV4 with your AWS credentials) or a local OpenSearch (``http://admin:pass@localhost:9200``).
"""

from __future__ import annotations

import json
from typing import Any

import click


@click.command(name="bootstrap")
@click.option("--endpoint", required=True, envvar="OPENSEARCH_ENDPOINT", help="OpenSearch URL (user:pass@ allowed).")
@click.option("--env", "environment", default="dev", show_default=True, help="Environment name.")
@click.option("--index-prefix", default=None, help="Index prefix (default logs-<env>).")
@click.option("--shards", default=1, show_default=True, type=int)
@click.option("--replicas", default=1, show_default=True, type=int)
@click.option("--hot-days", default=7, show_default=True, type=int)
@click.option(
    "--warm-days",
    default=0,
    show_default=True,
    type=int,
    help="0 = no warm state; otherwise indices go warm after --hot-days and stay warm until deleted.",
)
@click.option(
    "--ultrawarm/--no-ultrawarm",
    default=None,
    help="Warm state migrates to UltraWarm (the domain needs UltraWarm nodes). Default: on for *.es.amazonaws.com; "
    "without it warm is read-only + force-merge on the same nodes (no storage savings).",
)
@click.option("--retention-days", default=30, show_default=True, type=int)
@click.option("--firehose-role-arn", default="", help="Map this IAM role to the Firehose writer role.")
@click.option("--operator-role-arn", default="", help="Map this IAM role to the read-only operator role.")
@click.option(
    "--reader-role-arns",
    default="",
    help="Comma-separated IAM roles also mapped to the read-only role (the stack passes the Slack notifier's).",
)
@click.option("--sns-topic-arn", default="", help="Alert topic (creates the notification channel).")
@click.option("--sns-role-arn", default="", help="Role OpenSearch assumes to publish to the topic.")
@click.option("--dashboards-url", default="", help="Dashboards URL (default <endpoint>/_dashboards on AWS).")
@click.option("--no-dashboards", is_flag=True, help="Skip the Dashboards saved objects.")
@click.option(
    "--services",
    default="",
    help="Comma-separated services that get a saved search (besides the rules file's services: and those seen).",
)
@click.option(
    "--refresh-saved-searches",
    is_flag=True,
    help="Only (re)import the Dashboards saved objects: adds saved searches for services new since the last run.",
)
@click.option(
    "--ca-certs",
    default=None,
    type=click.Path(exists=True, dir_okay=False),
    help="PEM CA bundle to verify an https endpoint (e.g. a local OpenSearch's self-signed demo CA).",
)
@click.option("--delete", "teardown", is_flag=True, help="Remove what the bootstrap created instead.")
@click.option("--dry-run", is_flag=True, help="Print the artefacts that would be installed; contact nothing.")
@click.option("--rules", "rules_file", default=None, help="Alert rules file (default: built-in).")
def command(
    endpoint: str,
    environment: str,
    index_prefix: str | None,
    shards: int,
    replicas: int,
    hot_days: int,
    warm_days: int,
    retention_days: int,
    firehose_role_arn: str,
    operator_role_arn: str,
    reader_role_arns: str,
    ultrawarm: bool | None,
    sns_topic_arn: str,
    sns_role_arn: str,
    dashboards_url: str,
    no_dashboards: bool,
    services: str,
    refresh_saved_searches: bool,
    ca_certs: str | None,
    teardown: bool,
    dry_run: bool,
    rules_file: str | None,
) -> None:
    """Install (or with --delete remove) templates, ISM, access, channel, monitors and dashboards."""
    from logpipe.alerting.rules import load_rules
    from logpipe.configfile import ConfigError
    from logpipe.opensearch.bootstrap import (
        BootstrapParams,
        connect,
        run_bootstrap,
        run_teardown,
    )
    from logpipe.opensearch.bootstrap import refresh_saved_searches as refresh_dashboards

    props = {
        "Endpoint": endpoint,
        "Environment": environment,
        "IndexPrefix": index_prefix or f"logs-{environment}",
        "Shards": shards,
        "Replicas": replicas,
        "HotDays": hot_days,
        "WarmDays": warm_days,
        "RetentionDays": retention_days,
        "FirehoseRoleArn": firehose_role_arn,
        "OperatorRoleArn": operator_role_arn,
        "ReaderRoleArns": reader_role_arns,
        "UltraWarm": "" if ultrawarm is None else str(ultrawarm).lower(),
        "Services": services,
        "SnsTopicArn": sns_topic_arn,
        "SnsRoleArn": sns_role_arn,
        "DashboardsUrl": dashboards_url,
    }
    try:
        params = BootstrapParams.from_properties(props)
        rules = load_rules(rules_file)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    if dry_run:
        click.echo(json.dumps(_plan(params, rules), indent=2, ensure_ascii=False))
        return
    if refresh_saved_searches and (teardown or no_dashboards):
        raise click.UsageError("--refresh-saved-searches cannot be combined with --delete or --no-dashboards")
    use_dashboards = not no_dashboards and (params.is_aws or bool(dashboards_url))
    if refresh_saved_searches and not use_dashboards:
        raise click.UsageError(
            "--refresh-saved-searches needs Dashboards: give --dashboards-url for a non-AWS endpoint"
        )
    api, dashboards = connect(params, with_dashboards=use_dashboards, ca_certs=ca_certs)
    if refresh_saved_searches and dashboards is not None:
        report = refresh_dashboards(api, params, rules, dashboards)
    elif teardown:
        report = run_teardown(api, params, dashboards)
    else:
        report = run_bootstrap(api, params, rules, dashboards)
    if not use_dashboards and not teardown:
        click.echo("dashboards: skipped (give --dashboards-url for a non-AWS endpoint, e.g. http://localhost:5601)")
    for step in report.steps:
        colour = {"failed": "red", "skipped": "yellow"}.get(step.status, "green")
        click.echo(
            f"{step.step}: " + click.style(step.status, fg=colour) + (f" ({step.detail})" if step.detail else "")
        )
    if not report.ok:
        raise click.ClickException(f"{len(report.failed)} step(s) failed")


def _plan(params: Any, rules: Any) -> dict[str, Any]:
    from logpipe.alerting.monitors import MonitorTarget, compile_rules
    from logpipe.opensearch.artefacts import index_template, ism_policy, saved_objects, security_roles

    art = params.artefacts
    channel = art.names["channel"] if params.sns_topic_arn else None
    return {
        "index_template": {art.names["index_template"]: index_template(art)},
        "ism_policy": {art.names["ism_policy"]: ism_policy(art, ultrawarm=params.use_ultrawarm)},
        "security_roles": security_roles(
            art, params.firehose_role_arn, params.operator_role_arn or ",".join(params.reader_role_arns)
        ),
        "monitors": compile_rules(
            rules.rules, MonitorTarget.for_environment(params.environment, channel, params.index_prefix)
        ),
        "saved_objects": saved_objects(art, sorted({*rules.services, *params.services})),
    }
