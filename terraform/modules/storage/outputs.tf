output "bucket_name" {
  value = aws_s3_bucket.media.id
}

output "bucket_arn" {
  value = aws_s3_bucket.media.arn
}

output "kms_key_arn" {
  description = "Readers and writers of the bucket need kms:Decrypt / kms:GenerateDataKey on it."
  value       = aws_kms_key.media.arn
}
