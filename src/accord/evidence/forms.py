from django import forms


class DomainForm(forms.Form):
    name = forms.CharField(label="Domain name", max_length=1024)
