variable "bucket_name" {
  description = "Globally unique name of the media bucket."
  type        = string
}

variable "intermediate_prefix" {
  description = "Key prefix of stage intermediates, expired by the lifecycle rule."
  type        = string
}

variable "intermediate_expiry_days" {
  description = "Days an intermediate is kept (longer than any retry of an item can take)."
  type        = number
  default     = 7
}

variable "noncurrent_version_days" {
  description = "Days an overwritten or deleted object version stays recoverable."
  type        = number
  default     = 30
}

variable "cors_allowed_origins" {
  description = "Origins whose pages may fetch objects (the public URL of the gateway)."
  type        = list(string)
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
