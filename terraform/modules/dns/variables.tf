variable "zone_name" {
  description = "An existing public Route 53 hosted zone, e.g. example.com."
  type        = string
}

variable "domain_name" {
  description = "The gateway's name inside that zone, e.g. revive.example.com."
  type        = string
}

variable "load_balancer_dns_name" {
  description = "The ALB's DNS name once the Ingress exists; empty: no record yet."
  type        = string
  default     = ""
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
