"""Alert rules as data: load and validate them, compile them to OpenSearch Alerting monitors, evaluate them
over stored documents locally, and read the alert messages the monitors (and CloudWatch) publish to SNS."""
