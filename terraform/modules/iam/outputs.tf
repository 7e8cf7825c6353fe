output "gateway_role_arn" {
  description = "Annotate ServiceAccount revive-gateway with it (eks.amazonaws.com/role-arn)."
  value       = aws_iam_role.irsa["gateway"].arn
}

output "stage_role_arn" {
  description = "Annotate ServiceAccount revive-stage with it."
  value       = aws_iam_role.irsa["stage"].arn
}

output "ebs_csi_role_arn" {
  value = aws_iam_role.irsa["ebs-csi"].arn
}

output "cluster_autoscaler_role_arn" {
  value = aws_iam_role.irsa["cluster-autoscaler"].arn
}
