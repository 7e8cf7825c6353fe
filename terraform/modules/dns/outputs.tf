output "certificate_arn" {
  description = "For the Ingress annotation alb.ingress.kubernetes.io/certificate-arn."
  value       = aws_acm_certificate_validation.gateway.certificate_arn
}
