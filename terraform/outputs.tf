output "cluster_name" {
  description = "aws eks update-kubeconfig --name <this>"
  value       = module.eks.cluster_name
}

output "bucket_name" {
  value = module.storage.bucket_name
}

output "database_endpoint" {
  description = "host:port of the RDS primary, for REVIVE_DATABASE_URL."
  value       = module.database.endpoint
}

output "database_secret_arn" {
  description = "Secrets Manager secret holding the database username and password."
  value       = module.database.master_user_secret_arn
}

output "gateway_role_arn" {
  value = module.iam.gateway_role_arn
}

output "stage_role_arn" {
  value = module.iam.stage_role_arn
}

output "cluster_autoscaler_role_arn" {
  value = module.iam.cluster_autoscaler_role_arn
}

output "certificate_arn" {
  value = module.dns.certificate_arn
}

output "registry" {
  value = module.registry.registry
}

# deploy/k8s/overlays/aws/params.yaml, ready to write:
#   terraform output -raw kustomize_params > ../deploy/k8s/overlays/aws/params.yaml
output "kustomize_params" {
  value = <<-EOT
    # Written by `terraform output -raw kustomize_params`; see deploy/k8s/overlays/aws.
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: aws-params
      annotations:
        config.kubernetes.io/local-config: 'true'
    data:
      region: ${var.region}
      registry: ${module.registry.registry}
      bucket: ${module.storage.bucket_name}
      gatewayRoleArn: ${module.iam.gateway_role_arn}
      stageRoleArn: ${module.iam.stage_role_arn}
      host: ${var.domain_name}
      certificateArn: ${module.dns.certificate_arn}
  EOT
}
