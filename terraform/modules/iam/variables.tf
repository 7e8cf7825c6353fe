variable "name" {
  description = "Prefix of the role names."
  type        = string
}

variable "namespace" {
  description = "Kubernetes namespace of the Revive ServiceAccounts (deploy/k8s/base)."
  type        = string
}

variable "cluster_name" {
  description = "EKS cluster whose node groups the autoscaler may resize."
  type        = string
}

variable "oidc_provider_arn" {
  description = "The cluster's IAM OIDC provider."
  type        = string
}

variable "oidc_issuer" {
  description = "The cluster's OIDC issuer, without https://."
  type        = string
}

variable "bucket_arn" {
  description = "The media bucket."
  type        = string
}

variable "bucket_kms_key_arn" {
  description = "The media bucket's KMS key."
  type        = string
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
