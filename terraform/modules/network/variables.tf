variable "name" {
  description = "Prefix of every resource name."
  type        = string
}

variable "region" {
  description = "AWS region (for the S3 endpoint's service name)."
  type        = string
}

variable "cidr" {
  description = "The VPC's address range; split into /20 subnets (a /16 gives 16)."
  type        = string
}

variable "az_count" {
  description = "Availability zones to span; at least two, so losing one keeps the system up."
  type        = number
  default     = 2
  validation {
    condition     = var.az_count >= 2 && var.az_count <= 4
    error_message = "az_count must be between 2 and 4."
  }
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
