from django.db import migrations

DESKS = ["sales", "fulfilment", "aftersales", "support", "finance"]

FIRST_AGREEMENT = (
    "1. Your account. You keep your sign-in details private and tell us at once if someone else uses them. You give true details about yourself and, if you buy for a company, about the company.\n\n"
    "2. Orders. An order is an offer to buy at the prices and terms shown when you place it. The store's terms for payment, dispatch, delivery, returns, warranty and refunds are those of the store policy in force when the order was placed; your order keeps that version even if the policy changes later.\n\n"
    "3. Payment. You pay in the settlement currency shown at checkout, by a method the store offers.\n\n"
    "4. Returns and claims. Every return needs an authorization from us first. Claims are handled within the windows the store policy sets, counted from the dates shown on your order.\n\n"
    "5. Your data. We use your details to process orders, ship goods, answer requests and meet legal duties. We do not sell them. You may ask us for a copy or for deletion where the law allows.\n\n"
    "6. Changes. When this agreement changes, we ask you to accept the new version at your next visit.\n"
)


def forwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for desk in DESKS:
        Group.objects.get_or_create(name=f"desk:{desk}")
    UserAgreement = apps.get_model("accounts", "UserAgreement")
    if not UserAgreement.objects.exists():
        UserAgreement.objects.create(version=1, title="Tradepost user agreement", body=FIRST_AGREEMENT)


def backwards(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[f"desk:{d}" for d in DESKS]).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(forwards, backwards)]
