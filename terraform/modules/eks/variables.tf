variable "name" {
  description = "Cluster name, and prefix of every resource name."
  type        = string
}

variable "kubernetes_version" {
  description = "EKS Kubernetes version."
  type        = string
}

variable "private_subnet_ids" {
  description = "Subnets of the nodes, one per availability zone."
  type        = list(string)
}

variable "public_subnet_ids" {
  description = "Subnets for internet-facing load balancers."
  type        = list(string)
}

variable "api_allowed_cidrs" {
  description = "Who may reach the Kubernetes API endpoint from the internet."
  type        = list(string)
}

variable "cpu_instance_types" {
  description = "Instance types of the general-purpose node group."
  type        = list(string)
}

variable "cpu_min_size" {
  description = "Fewest cpu nodes: two, one per zone, for the gateway and the NATS quorum."
  type        = number
}

variable "cpu_max_size" {
  description = "Most cpu nodes the autoscaler may start."
  type        = number
}

variable "gpu_instance_types" {
  description = "Instance types of the GPU node group (NVIDIA)."
  type        = list(string)
}

variable "gpu_ami_type" {
  description = "EKS-optimised AMI with the NVIDIA driver."
  type        = string
  default     = "AL2023_x86_64_NVIDIA"
}

variable "gpu_min_size" {
  description = "Fewest GPU nodes; zero lets an idle cluster cost nothing for them."
  type        = number
}

variable "gpu_max_size" {
  description = "Most GPU nodes the autoscaler may start."
  type        = number
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
