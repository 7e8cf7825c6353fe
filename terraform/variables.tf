variable "name" {
  description = "Name of the cluster and prefix of every resource."
  type        = string
  default     = "revive"
}

variable "region" {
  description = "AWS region."
  type        = string
}

variable "az_count" {
  description = "Availability zones to span (at least two)."
  type        = number
  default     = 2
}

variable "vpc_cidr" {
  description = "Address range of the VPC."
  type        = string
  default     = "10.40.0.0/16"
}

variable "kubernetes_version" {
  description = "EKS Kubernetes version."
  type        = string
  default     = "1.33"
}

variable "kubernetes_namespace" {
  description = "Namespace of the Revive workloads (deploy/k8s/base/kustomization.yaml)."
  type        = string
  default     = "revive"
}

variable "api_allowed_cidrs" {
  description = "CIDRs allowed to reach the Kubernetes API; narrow this to your office or VPN."
  type        = list(string)
}

variable "cpu_instance_types" {
  description = "General-purpose node types."
  type        = list(string)
  default     = ["m6i.xlarge"]
}

variable "cpu_min_size" {
  description = "Fewest cpu nodes (one per zone at least)."
  type        = number
  default     = 2
}

variable "cpu_max_size" {
  description = "Most cpu nodes."
  type        = number
  default     = 10
}

variable "gpu_instance_types" {
  description = "GPU node types for repair, colorize, superres and interpolate."
  type        = list(string)
  default     = ["g5.xlarge"]
}

variable "gpu_min_size" {
  description = "Fewest GPU nodes; zero when idle."
  type        = number
  default     = 0
}

variable "gpu_max_size" {
  description = "Most GPU nodes."
  type        = number
  default     = 4
}

variable "bucket_name" {
  description = "Media bucket name; empty: <name>-media-<account id>."
  type        = string
  default     = ""
}

variable "intermediate_prefix" {
  description = "Key prefix of stage intermediates, expired after intermediate_expiry_days."
  type        = string
  default     = "intermediate/"
}

variable "intermediate_expiry_days" {
  description = "Days an intermediate object is kept."
  type        = number
  default     = 7
}

variable "db_instance_class" {
  description = "RDS instance class."
  type        = string
  default     = "db.t4g.medium"
}

variable "zone_name" {
  description = "Existing public Route 53 hosted zone."
  type        = string
}

variable "domain_name" {
  description = "Public name of the gateway, inside zone_name."
  type        = string
}

variable "load_balancer_dns_name" {
  description = "The ALB's DNS name, once the Ingress has created it; empty on the first apply."
  type        = string
  default     = ""
}

variable "tags" {
  description = "Extra tags for every resource."
  type        = map(string)
  default     = {}
}
