output "endpoint" {
  description = "host:port of the primary."
  value       = aws_db_instance.this.endpoint
}

output "address" {
  value = aws_db_instance.this.address
}

output "master_user_secret_arn" {
  description = "Secrets Manager secret with the generated username and password."
  value       = aws_db_instance.this.master_user_secret[0].secret_arn
}
