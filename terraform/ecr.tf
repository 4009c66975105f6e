# One repository per service image. Tags are immutable, so a tag always names the digest that
# was scanned and deployed.

resource "aws_ecr_repository" "service" {
  for_each = local.services

  name                 = "${var.ecr_repository_prefix}${each.value}"
  image_tag_mutability = "IMMUTABLE"

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
  }
}

resource "aws_ecr_lifecycle_policy" "service" {
  for_each = local.services

  repository = aws_ecr_repository.service[each.key].name
  policy = jsonencode({
    rules = [{
      rulePriority = 1
      description  = "Expire untagged images after ${var.ecr_untagged_image_days} days"
      selection = {
        tagStatus   = "untagged"
        countType   = "sinceImagePushed"
        countUnit   = "days"
        countNumber = var.ecr_untagged_image_days
      }
      action = { type = "expire" }
    }]
  })
}
