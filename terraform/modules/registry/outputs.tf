output "registry" {
  description = "Host part of the repository URLs (<account>.dkr.ecr.<region>.amazonaws.com)."
  value       = split("/", values(aws_ecr_repository.service)[0].repository_url)[0]
}

output "repository_urls" {
  value = { for k, r in aws_ecr_repository.service : k => r.repository_url }
}
