# The public name of the gateway and its certificate: ACM, validated through DNS records in an
# existing Route 53 hosted zone, renewed by AWS for as long as those records stay.
data "aws_route53_zone" "this" {
  name         = var.zone_name
  private_zone = false
}

resource "aws_acm_certificate" "gateway" {
  domain_name       = var.domain_name
  validation_method = "DNS"
  tags              = var.tags
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_route53_record" "validation" {
  for_each = {
    for o in aws_acm_certificate.gateway.domain_validation_options : o.domain_name => o
  }
  zone_id         = data.aws_route53_zone.this.zone_id
  name            = each.value.resource_record_name
  type            = each.value.resource_record_type
  records         = [each.value.resource_record_value]
  ttl             = 300
  allow_overwrite = true
}

resource "aws_acm_certificate_validation" "gateway" {
  certificate_arn         = aws_acm_certificate.gateway.arn
  validation_record_fqdns = [for r in aws_route53_record.validation : r.fqdn]
}

# The ALB is created by the AWS Load Balancer Controller from the Ingress, after this apply;
# a second apply with its DNS name (kubectl get ingress) points the domain at it.
resource "aws_route53_record" "gateway" {
  count   = var.load_balancer_dns_name == "" ? 0 : 1
  zone_id = data.aws_route53_zone.this.zone_id
  name    = var.domain_name
  type    = "CNAME"
  ttl     = 300
  records = [var.load_balancer_dns_name]
}
