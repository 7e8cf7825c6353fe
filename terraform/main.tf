# Revive on AWS: a VPC over two zones, EKS (cpu + gpu node groups), the media bucket, RDS
# PostgreSQL, IAM roles for the service accounts, DNS and certificate, image repositories.
# docs/deployment.md walks from an empty account to a running cluster.
provider "aws" {
  region = var.region
  default_tags {
    tags = merge(var.tags, { Project = var.name })
  }
}

data "aws_caller_identity" "current" {}

locals {
  bucket_name = coalesce(var.bucket_name, "${var.name}-media-${data.aws_caller_identity.current.account_id}")
  # The services with an image and a Deployment each (services/* without the CLI).
  services = ["gateway", "preprocess", "repair", "colorize", "superres", "interpolate", "publish"]
}

module "network" {
  source   = "./modules/network"
  name     = var.name
  region   = var.region
  cidr     = var.vpc_cidr
  az_count = var.az_count
}

module "eks" {
  source             = "./modules/eks"
  name               = var.name
  kubernetes_version = var.kubernetes_version
  private_subnet_ids = module.network.private_subnet_ids
  public_subnet_ids  = module.network.public_subnet_ids
  api_allowed_cidrs  = var.api_allowed_cidrs
  cpu_instance_types = var.cpu_instance_types
  cpu_min_size       = var.cpu_min_size
  cpu_max_size       = var.cpu_max_size
  gpu_instance_types = var.gpu_instance_types
  gpu_min_size       = var.gpu_min_size
  gpu_max_size       = var.gpu_max_size
}

module "storage" {
  source                   = "./modules/storage"
  bucket_name              = local.bucket_name
  intermediate_prefix      = var.intermediate_prefix
  intermediate_expiry_days = var.intermediate_expiry_days
  cors_allowed_origins     = ["https://${var.domain_name}"]
}

module "database" {
  source                   = "./modules/database"
  name                     = var.name
  vpc_id                   = module.network.vpc_id
  subnet_ids               = module.network.private_subnet_ids
  client_security_group_id = module.eks.cluster_security_group_id
  instance_class           = var.db_instance_class
}

module "iam" {
  source             = "./modules/iam"
  name               = var.name
  namespace          = var.kubernetes_namespace
  cluster_name       = module.eks.cluster_name
  oidc_provider_arn  = module.eks.oidc_provider_arn
  oidc_issuer        = module.eks.oidc_issuer
  bucket_arn         = module.storage.bucket_arn
  bucket_kms_key_arn = module.storage.kms_key_arn
}

module "dns" {
  source                 = "./modules/dns"
  zone_name              = var.zone_name
  domain_name            = var.domain_name
  load_balancer_dns_name = var.load_balancer_dns_name
}

module "registry" {
  source   = "./modules/registry"
  name     = var.name
  services = local.services
}

# Encrypted gp3 volumes for NATS (StorageClass revive-gp3 in deploy/k8s/overlays/aws). Here, not
# in the eks module, because its role comes from the iam module, which needs the cluster first.
resource "aws_eks_addon" "ebs_csi" {
  cluster_name             = module.eks.cluster_name
  addon_name               = "aws-ebs-csi-driver"
  service_account_role_arn = module.iam.ebs_csi_role_arn
}
