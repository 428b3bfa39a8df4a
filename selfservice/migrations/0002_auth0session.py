# Written by hand for the Sessions issue (Django 5.2.19): the Auth0 session <-> Django session map.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("selfservice", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Auth0Session",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("sid", models.CharField(db_index=True, max_length=255, verbose_name="Auth0 session id")),
                ("session_key", models.CharField(db_index=True, max_length=255, verbose_name="Django session key")),
                ("auth0_user_id", models.CharField(blank=True, db_index=True, max_length=255, verbose_name="Auth0 user id")),
                ("created_at", models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name="created at")),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="selfservice_auth0_sessions",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
            ],
            options={
                "verbose_name": "Auth0 session",
                "verbose_name_plural": "Auth0 sessions",
                "ordering": ("-created_at", "-pk"),
            },
        ),
    ]
