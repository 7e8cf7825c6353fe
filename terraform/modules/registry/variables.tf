variable "name" {
  description = "Prefix of the repository names (<name>/<service>)."
  type        = string
}

variable "services" {
  description = "The services that get an image."
  type        = list(string)
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
